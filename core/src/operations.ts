import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The operations port of a process: /metrics (Prometheus), /healthz (the process runs) and
 * /readyz (it serves or consumes). Apart from the public port, so that metrics never reach
 * candidates or the internet.
 */
export async function startOperationsServer(
  port: number,
  metrics: Registry,
  isReady: () => boolean | Promise<boolean>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': contentType }).end(body);
    };
    switch (request.url) {
      case '/metrics':
        metrics.metrics().then(
          (text) => reply(200, text, metrics.contentType),
          (error: Error) => reply(500, error.message),
        );
        return;
      case '/healthz':
        return reply(200, 'ok\n');
      case '/readyz':
        Promise.resolve()
          .then(isReady)
          .then(
            (ready) => (ready ? reply(200, 'ready\n') : reply(503, 'not ready\n')),
            (error: Error) => reply(503, `not ready: ${error.message}\n`),
          );
        return;
      default:
        return reply(404, 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
