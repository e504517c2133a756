import { bearerProtocolPrefix, ingestStreamProtocol } from '@proctoflex/core/client';
import { errorOf, IngestClientError } from './refusal.ts';
import type { StreamSocket } from './socket.ts';

/**
 * A browser: it cannot set headers on a WebSocket, so the token goes as a subprotocol. Nor does
 * it show why a handshake was refused: the same token is then tried on `GET /v1/schemas`, which
 * the gateway authenticates the same way, to learn the reason (an expired token is refreshed).
 */
export async function openSocket(url: string, token: string): Promise<StreamSocket> {
  const socket = new WebSocket(url, [ingestStreamProtocol, `${bearerProtocolPrefix}${token}`]);
  const opened = await new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true), { once: true });
    socket.addEventListener('close', () => resolve(false), { once: true });
  });
  if (!opened) throw await handshakeRefusal(url, token);
  return {
    get open() {
      return socket.readyState === WebSocket.OPEN;
    },
    send: (bytes) => socket.send(bytes),
    close: (code) => socket.close(code),
    onMessage: (listener) => socket.addEventListener('message', (event) => listener(String(event.data))),
    onClose: (listener) => socket.addEventListener('close', (event) => listener(event.code, event.reason)),
  };
}

async function handshakeRefusal(url: string, token: string): Promise<IngestClientError> {
  const unreachable = new IngestClientError('connection_failed', `${url} cannot be reached`, null, true);
  const probe = await fetch(`${url.replace(/^ws/, 'http').replace(/\/v1\/stream$/, '')}/v1/schemas`, {
    headers: { authorization: `Bearer ${token}` },
  }).catch(() => null);
  return probe && !probe.ok ? errorOf(probe) : unreachable;
}
