-- How long an exam's sessions, alerts, evidence and analytics are kept after it ends (GDPR).
ALTER TABLE exams ADD COLUMN retention_days integer NOT NULL DEFAULT 90 CHECK (retention_days > 0);
-- Set when the retention job has erased the exam's data.
ALTER TABLE exams ADD COLUMN purged_at timestamptz;
