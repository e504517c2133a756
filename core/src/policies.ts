import type { ExamPolicy } from './contracts/records.ts';

/** The policy that applies to an exam, as read from the policies table: none once the exam is deleted. */
export function policyInForce(policy: ExamPolicy | undefined): ExamPolicy | undefined {
  return policy?.deleted ? undefined : policy;
}
