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

/** A built single-page app the API serves: the dashboard at `/`, the browser candidate client at `/candidate/`. */
export interface BuiltPages {
  /** The Vite build. */
  readonly directory: string;
  /** Where it is served: `/`, or a path ending in `/`. */
  readonly mount: string;
  /** The page for every path without an extension. */
  readonly page: string;
  readonly headers: Record<string, string>;
}

/** Only what the dashboard itself needs: its own scripts and styles, evidence as blob: URLs, the API. */
export function dashboardPages(directory: string): BuiltPages {
  return {
    directory,
    mount: '/',
    page: 'index.html',
    headers: {
      'Content-Security-Policy':
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    },
  };
}

/**
 * The browser candidate client (the desktop's renderer, candidate.html): the API here, the
 * gateway at `ingestUrl` (HTTP and its WebSocket), the camera, the microphone and the screen.
 * 'unsafe-eval' because the Avro encoder (avsc) compiles its readers and writers with `new
 * Function`; the page renders no HTML of anyone's (Svelte escapes text), so no string of an
 * attacker's reaches it.
 */
export function candidatePages(directory: string, ingestUrl: string): BuiltPages {
  const gateway = new URL(ingestUrl).origin;
  return {
    directory,
    mount: '/candidate/',
    page: 'candidate.html',
    headers: {
      'Content-Security-Policy':
        `default-src 'self'; script-src 'self' 'unsafe-eval'; connect-src 'self' ${gateway} ${gateway.replace(/^http/, 'ws')}; ` +
        "img-src 'self' blob: data:; media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'; " +
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self)',
    },
  };
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}

/**
 * Serves a build below its mount (GET and HEAD outside /api): its files, and its page for paths
 * without an extension; the mount without its slash is redirected to it, so that the page's
 * relative asset paths resolve. Vite names assets by their content, so they are cached for good;
 * the page itself is always revalidated.
 */
export function servePages({ directory, mount, page, headers }: BuiltPages): Middleware<ApiState> {
  const root = path.resolve(directory);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) {
      await next();
      return;
    }
    if (mount !== '/' && ctx.path === mount.slice(0, -1)) {
      ctx.redirect(mount);
      return;
    }
    if (!ctx.path.startsWith(mount)) {
      await next();
      return;
    }
    const requested = path.resolve(root, `.${ctx.path.slice(mount.length - 1)}`);
    const inside = requested === root || requested.startsWith(`${root}${path.sep}`);
    const extension = path.extname(requested);
    // A known kind of file inside the build, or the page itself for paths without an extension.
    const file = !extension ? path.join(root, page) : inside && contentTypes[extension] ? requested : null;
    if (!file || !(await isFile(file))) {
      await next();
      return;
    }
    ctx.type = contentTypes[path.extname(file)]!;
    ctx.set({
      'Cache-Control': file.includes(`${path.sep}assets${path.sep}`)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...headers,
    });
    ctx.body = createReadStream(file);
  };
}
