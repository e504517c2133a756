-- Every picture of a candidate's screen, kept as evidence with its session and shown on the
-- session's timeline (alerts keep their own strip and clip in alert_evidence). The JPEG, as the
-- client sent it, is AES-256-GCM encrypted in the evidence store under storage_key; erased and
-- retained with the session. seq is the record's per-session sequence number: a replay adds nothing.
CREATE TABLE screen_pictures (
  session_id   text NOT NULL,
  seq          bigint NOT NULL,
  exam_id      text NOT NULL,
  capture_time timestamptz NOT NULL,
  width        integer NOT NULL,
  height       integer NOT NULL,
  byte_size    integer NOT NULL,
  storage_key  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX screen_pictures_time ON screen_pictures (session_id, capture_time);
