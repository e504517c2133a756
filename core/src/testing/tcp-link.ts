import net from 'node:net';

/**
 * A TCP proxy to a real service on a port of its own: `cut()` drops every connection and refuses
 * new ones, as a network failure would, until `restore()`. Point a process at `via(url)`.
 */
export class TcpLink {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private port = 0;

  private constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  static async open(target: URL): Promise<TcpLink> {
    const link = new TcpLink(target.hostname, Number(target.port));
    await link.restore();
    return link;
  }

  /** `url` with its port replaced by the link's. */
  via(url: string): string {
    const through = new URL(url);
    through.port = String(this.port);
    return through.toString();
  }

  async restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
