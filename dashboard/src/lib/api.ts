import { ProctoFlexError } from '@proctoflex/core/client';

/** The API's answer to a request it refused: its status, message and the rest of its body (e.g. an import's problems). */
export class ApiError extends ProctoFlexError {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message, { retriable: status >= 500 });
  }
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: 'admin' | 'instructor' | 'proctor' | 'student';
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** Kept for the tab only: a new tab signs in again. */
const storageKey = 'proctoflex.tokens';
let tokens: Tokens | null = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Tokens | null;
let refreshing: Promise<boolean> | null = null;

function keep(next: Tokens | null): void {
  tokens = next;
  if (next) sessionStorage.setItem(storageKey, JSON.stringify(next));
  else sessionStorage.removeItem(storageKey);
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method,
    headers: {
      ...(tokens && { authorization: `Bearer ${tokens.accessToken}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Trades the refresh token for new tokens once, however many requests found theirs expired. */
function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    if (!tokens) return false;
    const response = await send('POST', '/api/auth/refresh', { refreshToken: tokens.refreshToken });
    keep(response.ok ? ((await response.json()) as Tokens) : null);
    return response.ok;
  })().finally(() => (refreshing = null));
  return refreshing;
}

/** A request with the signed-in user's token (refreshed when it expired); refusals throw ApiError. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  let response = await send(method, path, body);
  if (response.status === 401 && tokens && (await refresh())) response = await send(method, path, body);
  if (response.status === 401) keep(null);
  if (!response.ok) {
    const { error, ...details } = (await response.json().catch(() => ({ error: response.statusText }))) as {
      error: string;
    };
    throw new ApiError(response.status, error, details);
  }
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request('GET', path)).json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export function signedIn(): boolean {
  return tokens !== null;
}

export async function signIn(email: string, password: string): Promise<void> {
  const response = await send('POST', '/api/auth/login', { email, password });
  const body = (await response.json()) as Tokens & { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? 'sign-in failed');
  keep(body);
}

export async function signOut(): Promise<void> {
  if (tokens) await send('POST', '/api/auth/logout', { refreshToken: tokens.refreshToken }).catch(() => undefined);
  keep(null);
}

/** An evidence file as an object URL (it needs the token, so it cannot be a plain src). */
/** Fetches a file with the caller's token and hands it to the browser as a download named `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const url = await objectUrlOf(path);
  Object.assign(document.createElement('a'), { href: url, download: filename }).click();
  // The browser has taken the file once the click is handled; the URL is let go a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file the API serves with the caller's token (evidence, a screen picture, a report) as an object URL; the caller revokes it. */
export async function objectUrlOf(path: string): Promise<string> {
  return URL.createObjectURL(await (await request('GET', path)).blob());
}

/** The access token for requests the caller makes itself (the live stream). */
export function accessToken(): string | null {
  return tokens?.accessToken ?? null;
}

export { refresh as refreshTokens };
