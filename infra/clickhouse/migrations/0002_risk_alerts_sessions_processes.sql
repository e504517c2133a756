-- The rest of the pipeline's streams, one table each, as the ClickHouse sink writes them; plus the
-- per-minute rollup of signals and the one-row-per-session view. Same rules as 0001: ClickHouse
-- 18.16 and current releases, DateTime plus milliseconds, partitions by day, ReplacingMergeTree on
-- each record's identity (query with FINAL to see a replayed batch once).

-- Every RiskUpdate: each session's 0-100 risk over time. Updates computed at the same moment for
-- the same input (an alert closing and another opening) keep the last one only: the risk then.
CREATE TABLE IF NOT EXISTS risk_updates (
  capture_date Date COMMENT 'Day of capture_time (UTC); the partition key',
  capture_time DateTime COMMENT 'Capture time of the newest score included (UTC, seconds)',
  capture_ms UInt16 COMMENT 'Milliseconds part of the capture time',
  computed_time DateTime COMMENT 'When the risk stage computed the risk (UTC, seconds)',
  computed_ms UInt16 COMMENT 'Milliseconds part of the computation time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  candidate_id String COMMENT 'Candidate sitting the session',
  risk_score Float64 COMMENT 'Risk from 0 (nothing seen) to 100 (certain misconduct)',
  level String COMMENT 'Band of risk_score: LOW, MEDIUM or HIGH',
  contribution_rules Array(String) COMMENT 'Rules behind the score, largest first',
  contribution_points Array(Float64) COMMENT 'Points of the score each of those rules adds, in the same order'
) ENGINE = ReplacingMergeTree()
PARTITION BY capture_date
ORDER BY (exam_id, session_id, capture_time, capture_ms, computed_time, computed_ms);

-- Every AlertEvent: an alert's opening, updates (severity, description) and closing.
CREATE TABLE IF NOT EXISTS alert_events (
  event_date Date COMMENT 'Day of event_time (UTC); the partition key',
  event_time DateTime COMMENT 'Capture time of the input that caused this change (UTC, seconds)',
  event_ms UInt16 COMMENT 'Milliseconds part of the event time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  candidate_id String COMMENT 'Candidate sitting the session',
  alert_id String COMMENT 'Alert id, the same for every change of one alert and across replays',
  revision UInt32 COMMENT 'Number of this change of the alert, from 0 (OPENED)',
  action String COMMENT 'OPENED, UPDATED or CLOSED',
  rule String COMMENT 'Rule that fired, e.g. no_face, phone_visible, client_disconnected',
  severity String COMMENT 'Severity after this change: LOW, MEDIUM, HIGH or CRITICAL',
  description String COMMENT 'What a proctor reads, e.g. No face visible for 34 s',
  start_time DateTime COMMENT 'Capture time at which the condition began (UTC, seconds)',
  start_ms UInt16 COMMENT 'Milliseconds part of the start time',
  end_time Nullable(DateTime) COMMENT 'When the condition cleared (UTC, seconds); NULL unless CLOSED',
  evidence_count UInt32 COMMENT 'Frames, audio chunks or snapshots referenced as evidence',
  score_count UInt32 COMMENT 'Detector scores referenced behind the alert'
) ENGINE = ReplacingMergeTree()
PARTITION BY event_date
ORDER BY (exam_id, session_id, event_time, alert_id, revision);

-- Every SessionEvent: start, heartbeats, focus changes, clipboard use, end.
CREATE TABLE IF NOT EXISTS session_events (
  capture_date Date COMMENT 'Day of capture_time (UTC); the partition key',
  capture_time DateTime COMMENT 'When the event happened on the client (UTC, seconds)',
  capture_ms UInt16 COMMENT 'Milliseconds part of the capture time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  candidate_id String COMMENT 'Candidate sitting the session',
  seq UInt64 COMMENT 'Per-session sequence number from the client',
  type String COMMENT 'STARTED, HEARTBEAT, FOCUS_LOST, FOCUS_GAINED, CLIPBOARD_USED or ENDED',
  client_version Nullable(String) COMMENT 'Desktop client version, sent with STARTED',
  detail Nullable(String) COMMENT 'Free text for a proctor, e.g. the window that took focus'
) ENGINE = ReplacingMergeTree()
PARTITION BY capture_date
ORDER BY (exam_id, session_id, capture_time, seq);

-- Every ProcessSnapshot: what ran on the candidate's machine at one moment.
CREATE TABLE IF NOT EXISTS process_snapshots (
  capture_date Date COMMENT 'Day of capture_time (UTC); the partition key',
  capture_time DateTime COMMENT 'When the snapshot was taken (UTC, seconds)',
  capture_ms UInt16 COMMENT 'Milliseconds part of the capture time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  candidate_id String COMMENT 'Candidate sitting the session',
  seq UInt64 COMMENT 'Per-session sequence number from the client',
  platform String COMMENT 'Operating system: linux, win32 or darwin',
  process_names Array(String) COMMENT 'Executable name of every process running for the candidate',
  foreground_app Nullable(String) COMMENT 'Executable name of the focused window, when known',
  foreground_window_title Nullable(String) COMMENT 'Title of the focused window, when known',
  browser_domains Array(String) COMMENT 'Domains open in browser tabs, as far as the client sees them',
  display_count UInt8 COMMENT 'Attached displays',
  virtual_machine_hints Array(String) COMMENT 'Evidence that the client runs in a virtual machine'
) ENGINE = ReplacingMergeTree()
PARTITION BY capture_date
ORDER BY (exam_id, session_id, capture_time, seq);

-- Every AlertReview: a proctor's decision on an alert, published by the API.
CREATE TABLE IF NOT EXISTS alert_reviews (
  review_date Date COMMENT 'Day of reviewed_time (UTC); the partition key',
  reviewed_time DateTime COMMENT 'When the proctor decided (UTC, seconds)',
  reviewed_ms UInt16 COMMENT 'Milliseconds part of the review time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  alert_id String COMMENT 'The reviewed alert (alert_events.alert_id)',
  rule String COMMENT 'Rule of the reviewed alert, e.g. phone_visible',
  decision String COMMENT 'CONFIRMED, DISMISSED or ESCALATED',
  reviewer_id String COMMENT 'User id of the proctor who decided'
) ENGINE = ReplacingMergeTree()
PARTITION BY review_date
ORDER BY (exam_id, alert_id, reviewed_time, reviewed_ms, reviewer_id);

-- Every version of every exam's policy (proctor.policies.v1); FINAL keeps each exam's newest.
CREATE TABLE IF NOT EXISTS exams (
  exam_id String COMMENT 'Exam',
  version UInt32 COMMENT 'Policy version; grows by one on every change of the exam',
  updated_time DateTime COMMENT 'When the policy was changed (UTC, seconds)',
  title String COMMENT 'Exam title shown to proctors',
  start_time DateTime COMMENT 'Start of the window in which sessions may start (UTC)',
  end_time DateTime COMMENT 'End of that window (UTC)',
  duration_minutes UInt32 COMMENT 'How long one candidate''s session may last',
  surveillance_level String COMMENT 'LOW, STANDARD or STRICT: how strictly the exam is watched',
  allowed_apps Array(String) COMMENT 'Applications allowed besides the system ones',
  allowed_domains Array(String) COMMENT 'Browser domains allowed (with their subdomains)',
  overridden_rules Array(String) COMMENT 'Rules whose surveillance-level defaults the exam overrides',
  deleted UInt8 COMMENT '1 once the exam is deleted'
) ENGINE = ReplacingMergeTree(version)
ORDER BY exam_id;

-- Per-minute rollup of signals per exam, detector and signal, kept by signal_minutes_feed. Every
-- aggregate is idempotent (distinct counts, max), so a batch the sink inserts twice after a crash
-- changes nothing; read it through the signals_per_minute view.
CREATE TABLE IF NOT EXISTS signal_minute_states (
  minute DateTime COMMENT 'Start of the minute (UTC) the scored inputs were captured in',
  exam_id String COMMENT 'Exam of the sessions',
  detector String COMMENT 'Processor: FACE, OBJECT, VOICE or APP_POLICY',
  signal String COMMENT 'Signal name, e.g. no_face',
  inputs AggregateFunction(uniq, UInt64) COMMENT 'State of the number of scored inputs (session, topic, seq)',
  present AggregateFunction(uniqIf, UInt64, UInt8) COMMENT 'State of the number of inputs scored 0.5 or more',
  sessions AggregateFunction(uniq, String) COMMENT 'State of the number of sessions scored',
  sessions_present AggregateFunction(uniqIf, String, UInt8) COMMENT 'State of the number of sessions with a score of 0.5 or more',
  max_score AggregateFunction(max, Float64) COMMENT 'State of the highest score'
) ENGINE = AggregatingMergeTree()
PARTITION BY toDate(minute)
ORDER BY (exam_id, detector, signal, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_minutes_feed TO signal_minute_states AS
SELECT
  toStartOfMinute(capture_time) AS minute,
  exam_id,
  detector,
  signal,
  uniqState(cityHash64(session_id, source_topic, source_seq)) AS inputs,
  uniqIfState(cityHash64(session_id, source_topic, source_seq), score >= 0.5) AS present,
  uniqState(session_id) AS sessions,
  uniqIfState(session_id, score >= 0.5) AS sessions_present,
  maxState(score) AS max_score
FROM signals
GROUP BY minute, exam_id, detector, signal;

-- One row per minute, exam, detector and signal: inputs scored, inputs with the signal present
-- (score >= 0.5), sessions scored, sessions with it present, highest score. Counts are exact up to
-- 65,536 per row and within about 1% beyond (ClickHouse uniq).
CREATE VIEW IF NOT EXISTS signals_per_minute AS
SELECT
  minute,
  exam_id,
  detector,
  signal,
  uniqMerge(inputs) AS inputs,
  uniqIfMerge(present) AS present,
  uniqMerge(sessions) AS sessions,
  uniqIfMerge(sessions_present) AS sessions_present,
  maxMerge(max_score) AS max_score
FROM signal_minute_states
GROUP BY minute, exam_id, detector, signal;

-- One row per session: exam, candidate, first event (started_at), ENDED time and duration in
-- seconds (NULL while running), client version from STARTED, risk of the last risk update
-- (final_risk) and the highest (max_risk), 0 when no risk was computed.
CREATE VIEW IF NOT EXISTS sessions AS
SELECT
  exam_id,
  session_id,
  candidate_id,
  started_at,
  ended_at,
  if(ended, toUInt32(ended_at - started_at), NULL) AS duration_seconds,
  client_version,
  final_risk,
  max_risk
FROM (
  SELECT
    session_id,
    any(exam_id) AS exam_id,
    any(candidate_id) AS candidate_id,
    min(capture_time) AS started_at,
    countIf(type = 'ENDED') > 0 AS ended,
    if(ended, maxIf(capture_time, type = 'ENDED'), NULL) AS ended_at,
    anyIf(client_version, type = 'STARTED') AS client_version
  FROM session_events FINAL
  GROUP BY session_id
)
ANY LEFT JOIN (
  SELECT
    session_id,
    argMax(risk_score, (capture_time, capture_ms, computed_time, computed_ms)) AS final_risk,
    max(risk_score) AS max_risk
  FROM risk_updates FINAL
  GROUP BY session_id
) USING session_id;
