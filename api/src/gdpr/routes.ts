import { audit } from '../audit.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { notFound } from '../http.ts';
import { eraseCandidate, exportCandidate, runRetention } from './data.ts';

export function registerGdprRoutes(router: ApiRouter, deps: ApiDeps): void {
  const admin = signedIn(deps, 'admin');
  const studentOf = async (userId: string) => {
    const { rows } = await deps.pool.query<Row>("SELECT id FROM users WHERE id = $1 AND role = 'student'", [userId]);
    if (!rows[0]) throw notFound('candidate');
  };

  router.get('/users/:userId/export', admin, async (ctx) => {
    await studentOf(ctx.params.userId!);
    const data = await exportCandidate(deps, ctx.params.userId!);
    await audit(deps.pool, {
      actorId: callerOf(ctx.state).userId,
      action: 'user.export',
      entityType: 'user',
      entityId: ctx.params.userId!,
    });
    ctx.set('Cache-Control', 'private, no-store');
    ctx.attachment(`candidate-${ctx.params.userId}.json`);
    ctx.body = data;
  });

  router.delete('/users/:userId/data', admin, async (ctx) => {
    await studentOf(ctx.params.userId!);
    const erased = await eraseCandidate(deps, ctx.params.userId!);
    await audit(deps.pool, {
      actorId: callerOf(ctx.state).userId,
      action: 'user.erase',
      entityType: 'user',
      entityId: ctx.params.userId!,
      after: erased,
    });
    ctx.body = erased;
  });

  router.post('/admin/retention', admin, async (ctx) => {
    ctx.body = await runRetention(deps);
  });
}
