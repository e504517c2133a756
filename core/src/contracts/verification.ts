/**
 * Identity before the exam, as a session carries it (null: no reference photo on record, nothing
 * to check): required until the selfie is sent; verified when it matched the photo on record;
 * pending when it did not, until a proctor approves or refuses.
 */
export type Verification = 'required' | 'verified' | 'pending' | 'approved' | 'refused';

/** The states in which a session waits for its candidate's identity: no ingest token, nothing captured. */
export const identityWaiting: readonly Verification[] = ['required', 'pending'];

export function waitsForIdentity(verification: string | null): boolean {
  return identityWaiting.includes(verification as Verification);
}
