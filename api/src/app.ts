import { randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { registerAlertRoutes } from './alerts/routes.ts';
import { registerAnalyticsRoutes } from './analytics/routes.ts';
import { registerAuditRoutes } from './audit.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import type { ApiDeps, ApiState } from './context.ts';
import { registerExamRoutes } from './exams/routes.ts';
import { registerGdprRoutes } from './gdpr/routes.ts';
import { registerLiveRoutes } from './live/routes.ts';
import { badRequest, clientErrorOf, HttpError } from './http.ts';
import { openApiDocument } from './openapi.ts';
import { candidatePages, dashboardPages, servePages } from './pages.ts';
import { registerInterventionRoutes } from './sessions/interventions.ts';
import { registerSessionRoutes } from './sessions/routes.ts';
import { registerReferencePhotoRoutes } from './users/reference-photo.ts';
import { registerUserRoutes } from './users/routes.ts';

/** The API's routes under /api, in the order a reader meets them in the OpenAPI document. */
export function apiRouter(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api' });
  registerAuthRoutes(router, deps);
  registerUserRoutes(router, deps);
  registerReferencePhotoRoutes(router, deps);
  registerExamRoutes(router, deps);
  registerSessionRoutes(router, deps);
  registerInterventionRoutes(router, deps);
  registerAlertRoutes(router, deps);
  registerLiveRoutes(router, deps);
  registerAnalyticsRoutes(router, deps);
  registerGdprRoutes(router, deps);
  registerAuditRoutes(router, deps);
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });
  return router;
}

/**
 * The whole app, middleware in order: request id and access log, errors as JSON, metrics,
 * JSON bodies (1 MiB at most), the API, then /healthz, /readyz, the browser candidate client at
 * /candidate/ and the dashboard at /. /metrics is on the operations port only (server.ts).
 */
export function createApp(deps: ApiDeps, registry: Registry, ready: () => Promise<boolean>): Koa<ApiState> {
  const requests = new Counter({
    name: 'api_requests_total',
    help: 'Requests by route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'api_request_seconds',
    help: 'Request latency by route.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // The live wall's thumbnail cache, read when scraped: how full it is against API_THUMBNAIL_CACHE_MB.
  for (const [unit, help] of [
    ['bytes', 'Bytes of webcam thumbnails kept for the live wall.'],
    ['sessions', 'Sessions whose newest webcam thumbnail is kept for the live wall.'],
  ] as const)
    new Gauge({
      name: `api_thumbnails_cached_${unit}`,
      help,
      registers: [registry],
      collect() {
        this.set(deps.live.thumbnails.size[unit]);
      },
    });
  const app = new Koa<ApiState>({ proxy: false });
  const router = apiRouter(deps);
  // Errors while a body streams out (the first middleware answers every other): a client that
  // leaves a live stream is no error.
  app.on('error', (error: NodeJS.ErrnoException, ctx?: Koa.Context) => {
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    deps.logger.error({ err: error, requestId: ctx?.state.requestId, path: ctx?.path }, 'response failed');
  });

  app.use(async (ctx, next) => {
    ctx.state.requestId = randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    const started = performance.now();
    try {
      await next();
    } catch (error) {
      const clientError = clientErrorOf(error);
      if (clientError) {
        ctx.status = clientError.status;
        ctx.set(clientError.headers);
        ctx.body = { error: clientError.message, requestId: ctx.state.requestId };
      } else {
        deps.logger.error({ err: error, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
        ctx.status = 500;
        ctx.body = { error: 'internal error', requestId: ctx.state.requestId };
      }
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const elapsed = (performance.now() - started) / 1000;
      requests.inc({ method: ctx.method, route, status: ctx.status });
      seconds.observe({ method: ctx.method, route }, elapsed);
      deps.logger.info(
        {
          requestId: ctx.state.requestId,
          method: ctx.method,
          route,
          status: ctx.status,
          ms: Math.round(elapsed * 1000),
        },
        'request',
      );
    }
  });
  const parseBody = bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' });
  app.use(async (ctx, next) => {
    let parsed = false;
    try {
      await parseBody(ctx, async () => {
        parsed = true;
        await next();
      });
    } catch (error) {
      // A body that cannot be read (it does not inflate as its Content-Encoding says) is the client's.
      if (parsed || clientErrorOf(error)) throw error;
      throw badRequest(`the body cannot be read: ${(error as Error).message}`);
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
    } else if (ctx.path === '/readyz') {
      const isReady = await ready();
      ctx.status = isReady ? 200 : 503;
      ctx.body = { status: isReady ? 'ready' : 'not ready' };
    } else {
      await next();
    }
  });
  app.use(servePages(candidatePages(deps.config.API_CANDIDATE_DIR, deps.config.API_INGEST_URL)));
  app.use(servePages(dashboardPages(deps.config.API_DASHBOARD_DIR)));
  app.use(() => {
    throw new HttpError(404, 'no such route (the API is under /api, described at /api/openapi.json)');
  });
  return app;
}
