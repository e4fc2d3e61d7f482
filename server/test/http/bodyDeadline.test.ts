import express from 'express';
import net from 'net';
import type { AddressInfo } from 'net';
import { bodyDeadline } from '../../src/http/bodyDeadline';

describe('a request body has a receive deadline', () => {
  test('a client that sends the headers and withholds the body gets 408 and its connection closed; a whole body passes', async () => {
    const app = express();
    app.post('/', bodyDeadline(300), express.json(), (req, res) => res.json({ got: req.body }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    try {
      const whole = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await whole.json()).toEqual({ got: { a: 1 } });

      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a":');
        });
        let out = '';
        socket.on('data', (d) => (out += d));
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"error":"The request body did not arrive within 0.3 s"');
    } finally {
      server.close();
    }
  });
});
