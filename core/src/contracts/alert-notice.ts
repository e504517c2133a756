import type { AlertEvent } from './records.ts';

/** The PostgreSQL channel the alerts sink NOTIFYs of each alert it writes, and the API listens on. */
export const alertsChannel = 'alerts';

/** What a NOTIFY on `alertsChannel` carries (as JSON): enough for the API to fetch and push the alert. */
export interface AlertNotice {
  readonly alertId: string;
  readonly sessionId: string;
  readonly examId: string;
  readonly action: AlertEvent['action'];
  readonly revision: number;
}
