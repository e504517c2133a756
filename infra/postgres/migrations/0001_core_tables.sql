-- Users, exams and who takes or watches them, sessions, alerts with their history, and the
-- audit log of proctor decisions. Times are timestamptz (UTC); ids are text so that the ids
-- carried in Kafka records (sessionId, examId, alertId) are stored as they are.

CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'instructor', 'proctor', 'student')),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE exams (
  id text PRIMARY KEY,
  title text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
  -- The ExamPolicy published to proctor.policies.v1, as JSON; policy_version is its version.
  policy jsonb NOT NULL,
  policy_version bigint NOT NULL DEFAULT 1,
  created_by text NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Candidates enrolled in an exam and proctors assigned to watch it.
CREATE TABLE exam_members (
  exam_id text NOT NULL REFERENCES exams (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id),
  member_role text NOT NULL CHECK (member_role IN ('candidate', 'proctor')),
  PRIMARY KEY (exam_id, user_id, member_role)
);
CREATE INDEX exam_members_user ON exam_members (user_id);

CREATE TABLE sessions (
  id text PRIMARY KEY,
  exam_id text NOT NULL REFERENCES exams (id),
  candidate_id text NOT NULL REFERENCES users (id),
  status text NOT NULL CHECK (status IN ('active', 'ended')),
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  client_version text
);
CREATE INDEX sessions_exam ON sessions (exam_id, started_at DESC);

-- One row per alert, upserted from proctor.alerts.v1 by its deterministic id; revision is the
-- newest AlertEvent.revision applied, so older or replayed events never overwrite newer ones.
CREATE TABLE alerts (
  id text PRIMARY KEY,
  session_id text NOT NULL,
  exam_id text NOT NULL,
  candidate_id text NOT NULL,
  rule text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'closed')),
  severity text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  description text NOT NULL,
  revision integer NOT NULL,
  start_seq bigint NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  evidence jsonb NOT NULL DEFAULT '[]',
  scores jsonb NOT NULL DEFAULT '[]',
  -- Proctor review, independent of the pipeline's open/closed state.
  review_status text NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'confirmed', 'dismissed', 'escalated')),
  reviewed_by text REFERENCES users (id),
  reviewed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_exam_time ON alerts (exam_id, started_at DESC);
CREATE INDEX alerts_session_time ON alerts (session_id, started_at DESC);

-- Every AlertEvent applied to an alert, once per revision.
CREATE TABLE alert_history (
  alert_id text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  revision integer NOT NULL,
  action text NOT NULL CHECK (action IN ('OPENED', 'UPDATED', 'CLOSED')),
  severity text NOT NULL,
  description text NOT NULL,
  event_time timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, revision)
);

-- Who did what, when, with the state before and after: proctor decisions, exam and user changes.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id text REFERENCES users (id),
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  before jsonb,
  after jsonb,
  comment text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, created_at);
