-- A proctor's queue is the open alerts of an exam, newest first: this index reads them without
-- walking past the closed ones (most alerts of a long exam are closed).
CREATE INDEX alerts_open_exam_time ON alerts (exam_id, started_at DESC, id DESC) WHERE state = 'open';
