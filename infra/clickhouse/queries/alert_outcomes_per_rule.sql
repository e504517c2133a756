-- Which rules (and the detector behind each) raise alerts proctors confirm, and which they
-- dismiss: alerts opened, each alert counted by its latest decision, and the confirmed share of
-- the decided ones.
SELECT
  rule,
  detector,
  alerts,
  confirmed,
  dismissed,
  escalated,
  alerts - confirmed - dismissed - escalated AS unreviewed,
  if(confirmed + dismissed = 0, NULL, round(confirmed / (confirmed + dismissed), 3)) AS confirmed_share
FROM (
  SELECT rule, alerts, confirmed, dismissed, escalated
  FROM (
    SELECT rule, count() AS alerts
    FROM alert_events FINAL
    WHERE action = 'OPENED'
    GROUP BY rule
  )
  ANY LEFT JOIN (
    SELECT
      rule,
      countIf(decision = 'CONFIRMED') AS confirmed,
      countIf(decision = 'DISMISSED') AS dismissed,
      countIf(decision = 'ESCALATED') AS escalated
    FROM (
      SELECT alert_id, any(rule) AS rule, argMax(decision, (reviewed_time, reviewed_ms)) AS decision
      FROM alert_reviews FINAL
      GROUP BY alert_id
    )
    GROUP BY rule
  ) USING rule
)
ANY LEFT JOIN (
  SELECT signal AS rule, any(detector) AS detector
  FROM signal_minute_states
  GROUP BY signal
) USING rule
ORDER BY confirmed DESC, alerts DESC, rule
