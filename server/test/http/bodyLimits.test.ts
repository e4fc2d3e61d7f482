import type { Server } from 'http';
import net from 'net';
import type { AddressInfo } from 'net';
import { signUnsubscribe } from '../../src/unsubscribe/tokens';
import { ADMIN_TOKEN, Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';

/**
 * Every route that reads a body bounds it: the body must arrive within 10 s (a client
 * trickling one byte a second is cut off) and be small. The console's sign-in form and
 * the unsubscribe links take bodies before any sign-in; the admin API after its token.
 */
describe('request bodies: a deadline and a size limit on every route that reads one', () => {
  let s: Stack;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    s = await startStack();
    server = s.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await s.close();
  });

  const unsubscribe = `/wishlist-alerts/unsubscribe/${signUnsubscribe(UNSUBSCRIBE_SECRET, { type: 'all', userId: 1 })}`;
  const routes: Array<[string, string, string, Record<string, string>]> = [
    ['the console sign-in', 'POST', '/admin/wishlist-jobs/sign-in', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['an unsubscribe link', 'POST', unsubscribe, { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['the admin API', 'PUT', '/api/admin/wishlist-jobs/shoppers/1/alerts', { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` }],
    ['the admin API (a body it does not read)', 'POST', '/api/admin/wishlist-jobs/trigger-stock-check', { 'Content-Type': 'text/plain', Authorization: `Bearer ${ADMIN_TOKEN}` }],
  ];

  /** Sends the headers and then one byte a second; resolves with what came back and how long the connection stayed open. */
  function trickle(method: string, path: string, headers: Record<string, string>): Promise<{ answer: string; openMs: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      let timer: NodeJS.Timeout | undefined;
      const giveUp = setTimeout(() => socket.destroy(), 20_000); // the test's own bound: still open then is a failure
      socket.on('connect', () => {
        const head = Object.entries({ Host: 'x', 'Content-Length': '1000', ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
        socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n\r\n`);
        timer = setInterval(() => socket.write('a'), 1000);
      });
      socket.on('data', (d) => (answer += d));
      socket.on('error', () => undefined); // a reset after the answer: the close below says enough
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ answer, openMs: Date.now() - started });
      });
      socket.on('timeout', reject);
    });
  }

  test('a body trickled one byte a second is cut off at 10 s, on every route at once', async () => {
    const results = await Promise.all(routes.map(([, method, path, headers]) => trickle(method, path, headers)));
    results.forEach(({ answer, openMs }, i) => {
      const [what] = routes[i];
      expect({ what, closedInTime: openMs < 15_000 }).toEqual({ what, closedInTime: true });
      if (!/trigger/.test(routes[i][2])) expect({ what, answer: answer.slice(0, 12) }).toEqual({ what, answer: 'HTTP/1.1 408' });
    });
  }, 30_000);

  test.each(routes.slice(0, 3))('%s refuses a large body (413)', async (_what, method, path, headers) => {
    const body = headers['Content-Type'] === 'application/json' ? JSON.stringify({ enabled: true, pad: 'x'.repeat(8000) }) : `token=${'x'.repeat(8000)}`;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body });
    expect(res.status).toBe(413);
  });
});
