-- Evidence files of each alert, written by the evidence sink: where the sealed file is in the
-- evidence store and what it holds. No foreign key to alerts: the alerts sink and the evidence
-- sink write independently, either may come first.
CREATE TABLE alert_evidence (
  alert_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('strip', 'thumbnail', 'clip')),
  session_id text NOT NULL,
  exam_id text NOT NULL,
  storage_key text NOT NULL,
  content_type text NOT NULL,
  -- Size before encryption.
  byte_size integer NOT NULL,
  frame_count integer NOT NULL,
  audio_ms integer NOT NULL,
  from_time timestamptz NOT NULL,
  to_time timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, kind)
);
CREATE INDEX alert_evidence_session ON alert_evidence (session_id);
