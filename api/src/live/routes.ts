import { PassThrough } from 'node:stream';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { callerOf, currentCaller, signedIn } from '../auth/guard.ts';
import type { Caller } from '../auth/tokens.ts';
import type { ApiDeps, ApiRouter, ApiState } from '../context.ts';
import { examFor, visibleExams } from '../exams/access.ts';
import { HttpError, parse } from '../http.ts';
import type { LiveSubscriber } from './feed.ts';

const heartbeatMs = 15_000;
/**
 * How often a stream re-checks who listens: a disabled account, an ended sign-in or a proctor
 * taken off the exam stops receiving within this time.
 */
export const liveAccessRecheckMs = 3_000;
const liveRoles = ['proctor', 'instructor', 'admin'] as const;

/** The exams `caller` may watch: the one asked for (403/404 when not theirs), or all they may see. */
async function watchedExams(
  deps: ApiDeps,
  caller: Caller,
  examId: string | undefined,
): Promise<LiveSubscriber['exams']> {
  if (examId) return new Set([(await examFor(deps.pool, caller, examId)).id]);
  if (caller.role === 'admin') return 'all';
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT e.id FROM exams e WHERE e.deleted_at IS NULL AND ${visibleExams(caller)}`,
    [caller.userId],
  );
  return new Set(rows.map(({ id }) => id));
}

/** A thumbnails request: those this process received after `since` (epoch ms on its clock; all when absent). */
const thumbnailsQuery = z.object({ since: z.coerce.number().int().min(0).max(8.64e15).default(0) });

/**
 * `GET /api/live`: Server-Sent Events of alert changes (`alert`) and risk (`risk`) for the caller's
 * exams. `GET /api/exams/{examId}/thumbnails`: the newest webcam thumbnail of each of the exam's
 * sessions, for the live wall, in one answer.
 */
export function registerLiveRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/exams/:examId/thumbnails', signedIn(deps, ...liveRoles), async (ctx) => {
    const exam = await examFor(deps.pool, callerOf(ctx.state), ctx.params.examId!);
    const { since } = parse(thumbnailsQuery, ctx.query, 'query');
    // Only sessions the exam has now: an erased one's thumbnail, still cached, is never served.
    const { rows } = await deps.pool.query<{ id: string }>('SELECT id FROM sessions WHERE exam_id = $1', [exam.id]);
    const now = Date.now();
    const thumbnails = deps.live.thumbnails.receivedSince(
      exam.id,
      rows.map(({ id }) => id),
      since,
    );
    ctx.set('Cache-Control', 'private, no-store');
    // `now`: the next request's `since`.
    ctx.body = {
      now,
      thumbnails: thumbnails.map(({ sessionId, captureTime, width, height, jpeg }) => ({
        sessionId,
        captureTime,
        width,
        height,
        jpeg: jpeg.toString('base64'),
      })),
    };
  });

  router.get('/live', signedIn(deps, ...liveRoles), async (ctx) => {
    const caller = callerOf(ctx.state);
    const { examId } = parse(z.object({ examId: z.string().min(1).max(200).optional() }), ctx.query, 'query');
    const subscriber: LiveSubscriber = { exams: await watchedExams(deps, caller, examId), send: () => undefined };
    const stream = openEventStream(ctx, deps, async () => {
      subscriber.exams = await watchedExams(deps, await currentCaller(deps, caller, liveRoles), examId);
    });
    subscriber.send = (event) => stream.send(event.type, event.data);
    stream.onClose(deps.live.subscribe(subscriber));
    const exams = subscriber.exams;
    stream.send('ready', { exams: exams === 'all' ? 'all' : [...exams] });
  });
}

/** A Server-Sent Events stream being answered. */
export interface EventStream {
  send(type: string, data: unknown): void;
  /** Runs `cleanup` when the stream closes (the client left, or its access ended). */
  onClose(cleanup: () => void): void;
}

/**
 * Answers `ctx` with a Server-Sent Events stream: keep-alive comments, and `reauthorize` every
 * liveAccessRecheckMs, whose HttpError (a disabled account, an ended sign-in, access taken away)
 * sends `closed` with its message and ends the stream.
 */
export function openEventStream(
  ctx: ParameterizedContext<ApiState>,
  deps: ApiDeps,
  reauthorize: () => Promise<void>,
): EventStream {
  const stream = new PassThrough();
  const cleanups: (() => void)[] = [];
  const send = (type: string, data: unknown) => {
    if (!stream.writableEnded) stream.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Comments keep proxies from closing an idle stream.
  const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), heartbeatMs);
  const recheck = setInterval(() => {
    reauthorize().catch((error: unknown) => {
      if (error instanceof HttpError) close(error.message);
      else deps.logger.warn({ err: error }, 'event stream access not re-checked; trying again');
    });
  }, liveAccessRecheckMs);
  const close = (reason?: string) => {
    clearInterval(heartbeat);
    clearInterval(recheck);
    for (const cleanup of cleanups.splice(0)) cleanup();
    if (stream.writableEnded) return;
    if (reason) send('closed', { reason });
    stream.end();
  };
  ctx.req.once('close', () => close());
  ctx.set({ 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  ctx.type = 'text/event-stream';
  ctx.body = stream;
  return { send, onClose: (cleanup) => cleanups.push(cleanup) };
}
