-- Identity before the exam: a candidate with a reference photo on record starts a session as
-- 'required'; the selfie taken at the start, compared with the photo by the face models, makes
-- it 'verified', or 'pending' until a proctor has 'approved' or 'refused' it. NULL: no photo
-- on record, nothing to check. The selfie is encrypted in the evidence store under
-- verification_key.
ALTER TABLE sessions ADD COLUMN verification text
  CHECK (verification IN ('required', 'verified', 'pending', 'approved', 'refused'));
ALTER TABLE sessions ADD COLUMN verification_similarity real;
ALTER TABLE sessions ADD COLUMN verification_key text;
ALTER TABLE sessions ADD COLUMN verified_by text REFERENCES users (id);
ALTER TABLE sessions ADD COLUMN verified_at timestamptz;
