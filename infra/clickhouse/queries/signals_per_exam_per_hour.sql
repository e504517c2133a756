-- Cheating signals per exam per hour: for every signal seen present (score >= 0.5) in an hour,
-- how many scored inputs and sessions showed it, out of how many scored.
SELECT
  exam_id,
  toStartOfHour(minute) AS hour,
  detector,
  signal,
  uniqIfMerge(present) AS inputs_present,
  uniqMerge(inputs) AS inputs_scored,
  uniqIfMerge(sessions_present) AS sessions_present,
  uniqMerge(sessions) AS sessions_scored
FROM signal_minute_states
GROUP BY exam_id, hour, detector, signal
HAVING inputs_present > 0
ORDER BY exam_id, hour, inputs_present DESC
