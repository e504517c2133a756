import type { ExamPolicy } from '../contracts/records.ts';

/** An exam's policy as the API publishes it: a STANDARD exam open for the next hour, nothing allowed. */
export function examPolicy(examId: string, changes: Partial<ExamPolicy> = {}): ExamPolicy {
  const now = Date.now();
  return {
    examId,
    version: 1,
    updatedTime: now,
    title: 'Linear algebra',
    startTime: now,
    endTime: now + 3_600_000,
    durationMinutes: 60,
    surveillanceLevel: 'STANDARD',
    allowedApps: [],
    allowedDomains: [],
    ruleOverrides: [],
    deleted: false,
    ...changes,
  };
}
