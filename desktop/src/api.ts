import type { CaptureSettings, RecordingNotice } from '@proctoflex/api';
import { ProctoFlexError, type SurveillanceLevel, type Verification } from '@proctoflex/core/client';
import type { IngestGrant } from './uploader.ts';

export type { CaptureSettings, RecordingNotice };

/** A session's grant as the API gives it: no ingest token while the candidate's identity waits to be confirmed. */
export interface SessionGrant extends Omit<IngestGrant, 'ingestToken'> {
  readonly ingestToken: string | null;
  readonly capture: CaptureSettings;
  readonly verification: Verification | null;
}

/** What a proctor told the candidate during the session: a message, a pause, a resume or the end, with its text. */
export interface CandidateIntervention {
  readonly id: string;
  readonly kind: 'message' | 'pause' | 'resume' | 'end';
  /** The message, or the reason. */
  readonly text: string;
  readonly sentAt: string;
  readonly acknowledgedAt: string | null;
}

/** An exam as a candidate sees it in the app. */
export interface ExamSummary {
  readonly id: string;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly durationMinutes: number;
  readonly surveillanceLevel: SurveillanceLevel;
  readonly allowedApps: string[];
  readonly allowedDomains: string[];
}

/** The grant as the uploader needs it: with its ingest token, which a session has once its identity is confirmed. */
export function ingestGrantOf(grant: SessionGrant): IngestGrant {
  if (!grant.ingestToken) throw new ApiError(409, 'your identity has not been confirmed yet');
  return { ...grant, ingestToken: grant.ingestToken };
}

/** The API refused or could not be reached; `message` is meant for the candidate. */
export class ApiError extends ProctoFlexError {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    // Unreachable or failing: trying again later may succeed; a refusal will not.
    super(message, { retriable: status === null || status >= 500 });
  }
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * The API as a candidate's desktop uses it: sign in, list exams, start or resume a session and
 * refresh its ingest token, end it. Tokens stay in the main process; an expired access token is
 * refreshed once per call.
 */
export class CandidateApi {
  private tokens: Tokens | null = null;

  constructor(readonly baseUrl: string) {}

  async signIn(email: string, password: string): Promise<{ userId: string; displayName: string }> {
    const tokens = (await this.call('POST', '/api/auth/login', { email, password }, false)) as Tokens & {
      role: string;
    };
    if (tokens.role !== 'student')
      throw new ApiError(403, 'this app is for candidates: sign in with a student account');
    this.tokens = tokens;
    const me = (await this.call('GET', '/api/me')) as { id: string; displayName: string };
    return { userId: me.id, displayName: me.displayName };
  }

  async exams(): Promise<ExamSummary[]> {
    const { exams } = (await this.call('GET', '/api/exams')) as {
      exams: {
        id: string;
        title: string;
        startsAt: string;
        endsAt: string;
        durationMinutes: number;
        policy: { surveillanceLevel: SurveillanceLevel; allowedApps: string[]; allowedDomains: string[] };
      }[];
    };
    return exams.map(({ id, title, startsAt, endsAt, durationMinutes, policy }) => ({
      id,
      title,
      startsAt,
      endsAt,
      durationMinutes,
      surveillanceLevel: policy.surveillanceLevel,
      allowedApps: policy.allowedApps,
      allowedDomains: policy.allowedDomains,
    }));
  }

  /** What the exam records of the candidate, how long it is kept and who sees it. */
  notice(examId: string): Promise<RecordingNotice> {
    return this.call('GET', `/api/exams/${examId}/notice`) as Promise<RecordingNotice>;
  }

  /**
   * A session of `examId` for the candidate, who agreed to the notice of `noticeVersion`: a new
   * one, or the one already active (the app was closed or crashed during the exam) with a fresh
   * ingest token; with when it started.
   */
  async startSession(
    examId: string,
    noticeVersion: string,
  ): Promise<{ grant: SessionGrant; startedAt: number; resumed: boolean }> {
    try {
      const grant = (await this.call('POST', `/api/exams/${examId}/sessions`, { noticeVersion })) as SessionGrant;
      return { grant, startedAt: await this.startedAt(grant.sessionId), resumed: false };
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409 && /active session/.test(error.message))) throw error;
      const { sessions } = (await this.call('GET', `/api/exams/${examId}/sessions`)) as {
        sessions: { id: string; status: string; startedAt: string }[];
      };
      const active = sessions.find((session) => session.status === 'active');
      if (!active) throw error;
      return { grant: await this.refreshGrant(active.id), startedAt: Date.parse(active.startedAt), resumed: true };
    }
  }

  /** Sends the selfie taken at the start, to be compared with the candidate's reference photo. */
  async verify(sessionId: string, jpeg: Uint8Array): Promise<Verification> {
    const { verification } = (await this.call('POST', `/api/sessions/${sessionId}/verification`, {
      jpeg: Buffer.from(jpeg).toString('base64'),
    })) as { verification: Verification };
    return verification;
  }

  /** The session's state and identity check as the API has them now. */
  session(sessionId: string): Promise<{ status: string; verification: Verification | null }> {
    return this.call('GET', `/api/sessions/${sessionId}`) as Promise<{
      status: string;
      verification: Verification | null;
    }>;
  }

  refreshGrant(sessionId: string): Promise<SessionGrant> {
    return this.call('POST', `/api/sessions/${sessionId}/token`) as Promise<SessionGrant>;
  }

  /**
   * The session's interventions as Server-Sent Events (the last ones, then each as a proctor sends
   * it); null when refused for good (the session is gone or not the candidate's).
   */
  async interventions(sessionId: string, signal: AbortSignal): Promise<Response | null> {
    const response = await this.send('GET', `/api/sessions/${sessionId}/interventions/stream`, undefined, true, signal);
    return response.status >= 400 && response.status < 500 ? null : response;
  }

  async acknowledge(sessionId: string, interventionId: string): Promise<void> {
    await this.call('POST', `/api/sessions/${sessionId}/interventions/${interventionId}/acknowledgement`);
  }

  async endSession(sessionId: string): Promise<void> {
    await this.call('POST', `/api/sessions/${sessionId}/end`);
  }

  private async startedAt(sessionId: string): Promise<number> {
    const session = (await this.call('GET', `/api/sessions/${sessionId}`)) as { startedAt: string };
    return Date.parse(session.startedAt);
  }

  private async call(method: string, route: string, body?: unknown, signedIn = true): Promise<unknown> {
    const response = await this.send(method, route, body, signedIn);
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    if (!response.ok)
      throw new ApiError(response.status, typeof parsed?.error === 'string' ? parsed.error : response.statusText);
    return parsed;
  }

  /** One request, signed in unless told otherwise; an expired access token is refreshed once. */
  private async send(
    method: string,
    route: string,
    body: unknown,
    signedIn: boolean,
    signal?: AbortSignal,
  ): Promise<Response> {
    const send = () =>
      fetch(`${this.baseUrl}${route}`, {
        method,
        headers: {
          ...(signedIn && this.tokens && { authorization: `Bearer ${this.tokens.accessToken}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      }).catch((error: unknown) => {
        throw new ApiError(null, `cannot reach the ProctoFlex server at ${this.baseUrl}: ${String(error)}`);
      });
    if (signedIn && !this.tokens) throw new ApiError(401, 'sign in first');
    const response = await send();
    return response.status === 401 && signedIn && (await this.refreshAccess()) ? send() : response;
  }

  private async refreshAccess(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: this.tokens!.refreshToken }),
    });
    if (!response.ok) return false;
    this.tokens = (await response.json()) as Tokens;
    return true;
  }
}
