import net from 'net';

export interface TcpProxy {
  /** The database URL given, pointing at the proxy instead. */
  url: string;
  /**
   * Stops forwarding in both directions without closing anything, as a stalled network
   * path does: bytes (and closes) are held, new connections are accepted and get no answer.
   */
  freeze(): void;
  /** Forwards again, what was held first. */
  thaw(): void;
  /** Closes every connection and stops listening: connecting is refused, as with a database that is down. */
  cut(): Promise<void>;
  /** Listens again on the same port, after cut(). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of the PostgreSQL of `databaseUrl`, that a test can freeze or cut. */
export async function startTcpProxy(databaseUrl: string): Promise<TcpProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let held: Array<() => void> = [];
  let frozen = false;
  const whenThawed = (action: () => void) => (frozen ? held.push(action) : action());

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => whenThawed(() => to.write(chunk)));
      from.on('end', () => whenThawed(() => to.end()));
      from.on('error', () => whenThawed(() => to.destroy()));
      from.on('close', () => {
        sockets.delete(from);
        whenThawed(() => to.destroy());
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const destroyAll = () => {
    held = [];
    sockets.forEach((s) => s.destroy());
    sockets.clear();
  };
  return {
    url: url.toString(),
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const action of held.splice(0)) action();
    },
    async cut() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restore() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      destroyAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
