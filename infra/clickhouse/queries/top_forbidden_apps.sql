-- The forbidden applications and domains candidates ran most: in how many sessions and exams,
-- and in how many process snapshots, each was found.
SELECT
  signal,
  found AS name,
  uniqExact(session_id) AS sessions,
  uniqExact(exam_id) AS exams,
  count() AS snapshots
FROM signals FINAL
ARRAY JOIN labels AS found
WHERE detector = 'APP_POLICY' AND signal IN ('forbidden_app', 'forbidden_domain') AND score >= 0.5
GROUP BY signal, name
ORDER BY sessions DESC, snapshots DESC, name
LIMIT 20
