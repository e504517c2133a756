import WebSocket from 'ws';
import { clientErrorOf, parseRefusal } from './refusal.ts';

/** What the ingest stream needs of a WebSocket, in Node (ws) and in a browser alike. */
export interface StreamSocket {
  readonly open: boolean;
  send(bytes: Uint8Array): void;
  close(code: number): void;
  onMessage(listener: (text: string) => void): void;
  onClose(listener: (code: number, reason: string) => void): void;
}

/** Node: the token in the Authorization header; a refused handshake rejects with the gateway's reason. */
export async function openSocket(url: string, token: string): Promise<StreamSocket> {
  const socket = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => reject(clientErrorOf(parseRefusal(body), response.statusCode ?? null)));
    });
    socket.once('error', reject);
  });
  // Errors end in 'close', which fails whatever waits.
  socket.on('error', () => undefined);
  return {
    get open() {
      return socket.readyState === WebSocket.OPEN;
    },
    send: (bytes) => socket.send(bytes),
    close: (code) => socket.close(code),
    onMessage: (listener) => socket.on('message', (data: Buffer) => listener(data.toString())),
    onClose: (listener) => socket.on('close', (code: number, reason: Buffer) => listener(code, reason.toString())),
  };
}
