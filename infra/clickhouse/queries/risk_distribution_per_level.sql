-- How risky sessions get under each surveillance level: sessions per band of 10 points of their
-- highest risk, with the share of the level's sessions in each band.
SELECT
  surveillance_level,
  risk_band,
  sessions,
  round(sessions / sum_sessions, 3) AS share_of_level
FROM (
  SELECT
    surveillance_level,
    intDiv(toUInt32(max_risk), 10) * 10 AS risk_band,
    count() AS sessions
  FROM sessions
  ANY LEFT JOIN (SELECT exam_id, surveillance_level FROM exams FINAL) USING exam_id
  GROUP BY surveillance_level, risk_band
)
ANY LEFT JOIN (
  SELECT surveillance_level, count() AS sum_sessions
  FROM sessions
  ANY LEFT JOIN (SELECT exam_id, surveillance_level FROM exams FINAL) USING exam_id
  GROUP BY surveillance_level
) USING surveillance_level
ORDER BY surveillance_level, risk_band
