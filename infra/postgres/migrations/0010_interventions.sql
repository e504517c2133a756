-- A proctor reaching a candidate during a session: a message, a pause, a resume or the end of the
-- session, each with its text (the message, or the reason told to the candidate). The candidate's
-- client acknowledges each one (acknowledged_at). Erased with the session.
CREATE TABLE interventions (
  id              text PRIMARY KEY,
  session_id      text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('message', 'pause', 'resume', 'end')),
  text            text NOT NULL,
  sent_by         text REFERENCES users (id) ON DELETE SET NULL,
  sent_at         timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz
);
CREATE INDEX interventions_session ON interventions (session_id, sent_at);

-- Set while a proctor has the session paused: the candidate's client covers the exam until resumed.
ALTER TABLE sessions ADD COLUMN paused_at timestamptz;
