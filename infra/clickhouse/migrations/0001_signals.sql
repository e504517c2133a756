-- One row per detector signal: what every processor saw in every frame, audio chunk and snapshot.
-- Works on ClickHouse 18.16 (Debian) and current releases: DateTime plus a milliseconds column,
-- partitions by day (retention = dropping partitions), no TTL, no DateTime64.
CREATE TABLE IF NOT EXISTS signals (
  capture_date Date COMMENT 'Day of capture_time (UTC); the partition key',
  capture_time DateTime COMMENT 'When the client captured the scored input (UTC, seconds)',
  capture_ms UInt16 COMMENT 'Milliseconds part of the capture time',
  processed_time DateTime COMMENT 'When the detector finished (UTC, seconds)',
  processed_ms UInt16 COMMENT 'Milliseconds part of the processing time',
  exam_id String COMMENT 'Exam of the session',
  session_id String COMMENT 'Exam session',
  candidate_id String COMMENT 'Candidate sitting the session',
  detector String COMMENT 'Processor: FACE, OBJECT, VOICE or APP_POLICY',
  signal String COMMENT 'Signal name, e.g. no_face, phone_visible, speech, forbidden_app',
  score Float64 COMMENT 'Confidence that the signal is present, 0 to 1',
  source_topic String COMMENT 'Kafka topic of the scored input',
  source_seq UInt64 COMMENT 'Per-session seq of the scored input',
  model_version String COMMENT 'Model or rule set behind the score',
  labels Array(String) COMMENT 'Names behind the score, e.g. forbidden applications found',
  measurement_names Array(String) COMMENT 'Names of the numbers behind the score, e.g. yawDegrees',
  measurement_values Array(Float64) COMMENT 'Values of those numbers, in the same order'
) ENGINE = ReplacingMergeTree()
PARTITION BY capture_date
ORDER BY (exam_id, session_id, capture_time, source_topic, source_seq, detector, signal);
