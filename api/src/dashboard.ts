import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Middleware } from 'koa';
import type { ApiState } from './context.ts';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Only what the dashboard itself needs: its own scripts and styles, evidence as blob: URLs, the API. */
const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}

/**
 * The built dashboard at `/` (GET and HEAD outside /api): its files, and index.html for paths
 * without an extension. Vite names assets by their content, so they are cached for good; the
 * page itself is always revalidated.
 */
export function serveDashboard(directory: string): Middleware<ApiState> {
  const root = path.resolve(directory);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) {
      await next();
      return;
    }
    const requested = path.resolve(root, `.${ctx.path}`);
    const inside = requested === root || requested.startsWith(`${root}${path.sep}`);
    const extension = path.extname(requested);
    // A known kind of file inside the build, or the page itself for paths without an extension.
    const file = !extension ? path.join(root, 'index.html') : inside && contentTypes[extension] ? requested : null;
    if (!file || !(await isFile(file))) {
      await next();
      return;
    }
    ctx.type = contentTypes[path.extname(file)]!;
    ctx.set({
      'Cache-Control': file.includes(`${path.sep}assets${path.sep}`)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    ctx.body = createReadStream(file);
  };
}
