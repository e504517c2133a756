-- A candidate's reference photo on record (identity before the exam): the JPEG itself is
-- AES-256-GCM encrypted in the evidence store under storage_key; erased with the candidate.
CREATE TABLE reference_photos (
  user_id     text PRIMARY KEY REFERENCES users (id),
  storage_key text NOT NULL,
  byte_size   integer NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  uploaded_by text REFERENCES users (id),
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
