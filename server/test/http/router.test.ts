import express from 'express';
import request from 'supertest';
import { createRouter } from '../../src/http/router';

describe('createRouter (the shop runs Express 4, which ignores the promise a handler returns)', () => {
  test("an async handler's rejection, and a sync throw, reach the router's error handler; an error handler keeps its four parameters", async () => {
    const router = createRouter();
    router.get('/async', async () => {
      await new Promise((r) => setImmediate(r));
      throw Object.assign(new Error('async boom'), { status: 418 });
    });
    router.get('/sync', () => {
      throw Object.assign(new Error('sync boom'), { status: 409 });
    });
    router.use(async (err: Error & { status: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(err.status).json({ error: err.message });
    });
    const app = express().use(router);
    // The tests run on the shop's major version.
    expect((require('express/package.json') as { version: string }).version).toMatch(/^4\./);
    const slow = await request(app).get('/async').timeout(5000);
    expect([slow.status, slow.body]).toEqual([418, { error: 'async boom' }]);
    const sync = await request(app).get('/sync');
    expect([sync.status, sync.body]).toEqual([409, { error: 'sync boom' }]);
  });

  test("an error of the host's, raised before the router, passes through to the host's handler", async () => {
    const router = createRouter();
    router.post('/ours', (_req, res) => res.json({ ours: true }));
    const app = express();
    app.use(express.json());
    app.use(router);
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => res.status(400).json({ host: true }));
    const res = await request(app).post('/elsewhere').set('content-type', 'application/json').send('{not json');
    expect([res.status, res.body]).toEqual([400, { host: true }]);
  });
});
