import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter } from '../context.ts';
import { examFor, visibleExams } from '../exams/access.ts';
import { parse } from '../http.ts';

const heartbeatMs = 15_000;

/** `GET /api/live`: Server-Sent Events of alert changes (`alert`) and risk (`risk`) for the caller's exams. */
export function registerLiveRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/live', signedIn(deps, 'proctor', 'instructor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const { examId } = parse(z.object({ examId: z.string().min(1).max(200).optional() }), ctx.query, 'query');
    let exams: ReadonlySet<string> | 'all';
    if (examId) exams = new Set([(await examFor(deps.pool, caller, examId)).id]);
    else if (caller.role === 'admin') exams = 'all';
    else {
      const { rows } = await deps.pool.query<{ id: string }>(
        `SELECT e.id FROM exams e WHERE e.deleted_at IS NULL AND ${visibleExams(caller)}`,
        [caller.userId],
      );
      exams = new Set(rows.map(({ id }) => id));
    }

    const stream = new PassThrough();
    const unsubscribe = deps.live.subscribe({
      exams,
      send: (event) => stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`),
    });
    // Comments keep proxies from closing an idle stream.
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), heartbeatMs);
    ctx.req.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      stream.end();
    });
    ctx.set({ 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    ctx.type = 'text/event-stream';
    ctx.body = stream;
    stream.write(`event: ready\ndata: ${JSON.stringify({ exams: exams === 'all' ? 'all' : [...exams] })}\n\n`);
  });
}
