-- Refresh tokens of the API's sign-ins, stored as SHA-256 hashes. Each sign-in starts a family;
-- a refresh uses its token once and gets the next of the family. A used token presented again
-- means it was stolen: the whole family is revoked.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed sign-ins in a row, and until when the account refuses them after too many.
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;

-- Exams deleted by an instructor stay as rows while their sessions are kept; lists skip them.
ALTER TABLE exams ADD COLUMN deleted_at timestamptz;
