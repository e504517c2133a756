-- Instructors assigned to an exam by an admin manage it as its creator does (edit it, set its
-- members, read its alerts, analytics and report).
ALTER TABLE exam_members DROP CONSTRAINT exam_members_member_role_check;
ALTER TABLE exam_members ADD CONSTRAINT exam_members_member_role_check
  CHECK (member_role IN ('candidate', 'proctor', 'instructor'));
