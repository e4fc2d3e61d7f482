import request from 'supertest';
import type { Request } from 'express';
import pino from 'pino';
import { Writable } from 'stream';
import { createApp } from '../../src/http/app';
import { AdminAccess, shopSessionAccess } from '../../src/http/access';
import { AuthFailures } from '../../src/http/authFailures';
import { CronService } from '../../src/jobs/CronService';
import { createPool } from '../../src/db/pool';
import { loadConfig } from '../../src/config/config';
import { createWishlistAlerts } from '../../src/wishlistAlerts';
import { insertUser } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';

/** A host's sign-in for the tests: the X-Test-User header names a signed-in user and their rights. */
const testAccess: AdminAccess = (req: Request) => {
  const user = req.get('x-test-user');
  if (!user) return null;
  return { who: `user ${user}`, canView: user !== 'nobody', canAct: user === 'manager', sessionKey: `test:${user}` };
};
const API = '/api/admin/wishlist-jobs';

/** The CSRF token of a test user's sign-in, as the shop's admin pages would fetch it. */
async function csrfOf(app: Parameters<typeof request>[0], user: string): Promise<string> {
  const res = await request(app).get(`${API}/csrf-token`).set('x-test-user', user);
  expect(res.status).toBe(200);
  return res.body.data.csrfToken;
}

describe("the host's sign-in beside the admin token", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ ADMIN_SIGNIN_URL: '/login' }, { access: testAccess });
  });
  afterAll(() => s.close());

  test('a viewer sees the status and metrics but cannot trigger (403); not signed in is 401; the token still works', async () => {
    expect((await request(s.app).get(`${API}/status`).set('x-test-user', 'viewer')).status).toBe(200);
    expect((await request(s.app).get('/metrics').set('x-test-user', 'viewer')).status).toBe(200);
    const refused = await request(s.app).post(`${API}/trigger-sale-check`).set('x-test-user', 'viewer');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ success: false, error: 'user viewer may not run checks or change alerts' });
    expect((await request(s.app).put(`${API}/shoppers/1/alerts`).set('x-test-user', 'viewer').send({ enabled: true })).status).toBe(403);
    expect((await request(s.app).get(`${API}/status`).set('x-test-user', 'nobody')).status).toBe(403);
    expect((await request(s.app).get(`${API}/status`)).status).toBe(401);
    expect((await request(s.app).get('/metrics')).status).toBe(401);
    expect((await request(s.app).get(`${API}/status`).set('Authorization', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    // A wrong token is refused even for a signed-in user: the header says who is calling.
    expect((await request(s.app).get(`${API}/status`).set('x-test-user', 'manager').set('Authorization', 'Bearer wrong')).status).toBe(401);
  });

  test('a manager triggers a check, and the run history names who did', async () => {
    const csrf = await csrfOf(s.app, 'manager');
    expect((await request(s.app).post(`${API}/trigger-stock-check`).set('x-test-user', 'manager').set('x-csrf-token', csrf)).status).toBe(200);
    expect((await request(s.app).post(`${API}/trigger-sale-check`).set('Authorization', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    const runs = await request(s.app).get(`${API}/runs`).set('x-test-user', 'viewer');
    expect(runs.body.data.runs.map((r: { job: string; triggeredBy: string }) => [r.job, r.triggeredBy])).toEqual([
      ['wishlist-sale-check', 'token'],
      ['wishlist-stock-check', 'user manager'],
    ]);
  });

  test('the console: signed out, its sign-in page points to the shop\'s; no Run now for a viewer, CSRF still required to act', async () => {
    const out = await request(s.app).get('/admin/wishlist-jobs').set('Accept', 'text/html');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/admin/wishlist-jobs/sign-in');
    const signIn = await request(s.app).get('/admin/wishlist-jobs/sign-in');
    // The shop's sign-in page ignores where the admin came from: the page says to come back by hand.
    expect(signIn.text).toMatch(/Sign in to the shop at <a href="\/login">\/login<\/a>[^]*then come back to this page/);
    expect(signIn.text).toContain('Sign in with the token'); // the admin token's form, beside it
    expect((await request(s.app).get('/admin/wishlist-jobs/state').set('Accept', 'application/json')).status).toBe(401);

    const viewer = await request(s.app).get('/admin/wishlist-jobs').set('x-test-user', 'viewer');
    expect(viewer.status).toBe(200);
    expect(viewer.text).toContain('Signed in as user viewer');
    expect(viewer.text).not.toContain('Run wishlist-sale-check now');
    expect(viewer.text).not.toContain('Sign out');

    const manager = await request(s.app).get('/admin/wishlist-jobs').set('x-test-user', 'manager');
    expect(manager.text).toContain('Run wishlist-sale-check now');
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(manager.text)![1];
    const run = (user: string, token?: string) => {
      const r = request(s.app).post('/admin/wishlist-jobs/run/wishlist-sale-check').set('x-test-user', user).set('Accept', 'application/json');
      return token ? r.set('x-csrf-token', token) : r;
    };
    expect((await run('manager')).status).toBe(403);
    expect((await run('viewer', csrf)).status).toBe(403); // another sign-in's token, and no right to act
    const done = await run('manager', csrf);
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({ errors: 0 });
  });

  test("a session's action needs its CSRF token, even with no Origin header, and must come from the same site or a storefront", async () => {
    const csrf = await csrfOf(s.app, 'manager');
    const post = (token: string | null = csrf) => {
      const r = request(s.app).post(`${API}/trigger-stock-check`).set('x-test-user', 'manager');
      return token ? r.set('x-csrf-token', token) : r;
    };
    const refused = await post(null);
    expect([refused.status, refused.body.error]).toEqual([403, expect.stringMatching(/^Missing or wrong CSRF token/)]);
    expect((await post(await csrfOf(s.app, 'viewer'))).status).toBe(403); // another sign-in's token
    expect((await post().set('Origin', 'https://evil.example')).status).toBe(403);
    expect((await post().set('Sec-Fetch-Site', 'cross-site')).status).toBe(403);
    expect((await post().set('Sec-Fetch-Site', 'same-origin')).status).toBe(200);
    // The shop's admin pages live on the storefront (FRONTEND_URL): its origin is trusted.
    expect((await post().set('Origin', 'https://simfab.example')).status).toBe(200);
    // Reading with the session from another site is refused too: the shop's CORS would let it read the answer.
    const read = await request(s.app).get(`${API}/notifications`).set('x-test-user', 'viewer').set('Origin', 'https://evil.example');
    expect([read.status, read.body.error]).toEqual([403, 'A shop sign-in may not be used from another site']);
    expect((await request(s.app).get(`${API}/csrf-token`).set('x-test-user', 'manager').set('Origin', 'https://evil.example')).status).toBe(403);
    // The token is no browser session: server-to-server calls carry no Origin to check.
    expect((await request(s.app).post(`${API}/trigger-stock-check`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).set('Origin', 'https://ops.example')).status).toBe(200);
  });

  test('the whole origin is compared, scheme included: this host over plain http is another site', async () => {
    const csrf = await csrfOf(s.app, 'manager');
    // A host name that is not PUBLIC_URL's nor a storefront's: only the request's own origin counts.
    const post = (origin: string, proto?: string) => {
      const r = request(s.app).post(`${API}/trigger-stock-check`).set('x-test-user', 'manager').set('x-csrf-token', csrf)
        .set('Host', 'alerts.internal').set('Origin', origin);
      return proto ? r.set('X-Forwarded-Proto', proto) : r;
    };
    expect((await post('http://alerts.internal', 'https')).status).toBe(403);
    expect((await post('https://alerts.internal', 'https')).status).toBe(200);
    expect((await post('https://alerts.internal:443', 'https')).status).toBe(200);
    expect((await post('http://alerts.internal')).status).toBe(200);
    expect((await post('https://alerts.internal')).status).toBe(403);
    expect((await post('http://alerts.internal:8080')).status).toBe(403);
    expect((await post('null')).status).toBe(403);
    // PUBLIC_URL (https://shop.example) is this server as shoppers and admins reach it, through a proxy.
    expect((await post('https://shop.example')).status).toBe(200);
  });
});

describe('the ready check for the shop sessions', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.close());

  test("authorities from the session decide; the e-mail comes from the shop's users table", async () => {
    const ann = await insertUser(s.db.pool, { email: 'ann@simfab.example' });
    const access = shopSessionAccess({ db: s.db.pool, view: 'emails:view', manage: 'emails:manage' });
    const asReq = (session: unknown) => ({ session, sessionID: 'sid-1' }) as unknown as Request;
    expect(await access(asReq(undefined))).toBeNull();
    expect(await access(asReq({ cookie: {} }))).toBeNull();
    expect(await access(asReq({ userId: ann.id, authorities: ['orders:view'] }))).toMatchObject({ canView: false, canAct: false });
    expect(await access(asReq({ userId: ann.id, authorities: ['emails:view'] }))).toEqual({
      who: `user ${ann.id} (ann@simfab.example)`, canView: true, canAct: false, sessionKey: `shop:${ann.id}:sid-1`,
    });
    expect(await access(asReq({ userId: String(ann.id), authorities: ['emails:manage'], email: 'from-session@x.example' }))).toMatchObject({
      who: `user ${ann.id} (from-session@x.example)`, canView: true, canAct: true,
    });
  });

  test('userId must be a real user id: true is not user 1, 1e300 or 2^31 is nobody (no query, no 500)', async () => {
    const access = shopSessionAccess({ db: s.db.pool, view: 'emails:view', manage: 'emails:manage' });
    const asReq = (session: unknown) => ({ session, sessionID: 'sid-1' }) as unknown as Request;
    for (const userId of [true, 1e300, 2_147_483_648, -1, 0, 1.5, '1e3', ' 1', '12abc', [1], { valueOf: () => 1 }, null]) {
      expect(await access(asReq({ userId, authorities: ['emails:manage'] }))).toBeNull();
    }
    expect(await access(asReq({ userId: 2_147_483_647, authorities: ['emails:manage'] }))).toMatchObject({ canAct: true });
  });

  test('only the session\'s own properties count: a key polluting Object.prototype gives no rights', async () => {
    const ann = await insertUser(s.db.pool);
    const access = shopSessionAccess({ db: s.db.pool, view: 'emails:view', manage: 'emails:manage' });
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.authorities = ['emails:manage'];
      expect(await access({ session: { userId: ann.id }, sessionID: 'sid-2' } as unknown as Request)).toMatchObject({ canView: false, canAct: false });
      proto.userId = ann.id;
      proto.session = { cookie: {} };
      expect(await access({ session: { cookie: {} }, sessionID: 'sid-3' } as unknown as Request)).toBeNull();
      expect(await access({} as unknown as Request)).toBeNull();
    } finally {
      delete proto.authorities;
      delete proto.userId;
      delete proto.session;
    }
  });
});

describe('the console refuses without doing any work behind the refusal', () => {
  test('500 state requests without a session: each one 401 or 303, no database query, no error logged', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const deadPool = createPool('postgres://nobody@127.0.0.1:1/none', logger);
    const cron = new CronService({ logger });
    const alerts = createWishlistAlerts({ pool: deadPool, cron, logger, config: loadConfig({}), adminToken: ADMIN_TOKEN, unsubscribeSecret: UNSUBSCRIBE_SECRET });
    const app = createApp({ logger, ...alerts });
    try {
      for (let i = 0; i < 250; i++) {
        expect((await request(app).get('/admin/wishlist-jobs/state').set('Accept', 'application/json')).status).toBe(401);
        expect((await request(app).get('/admin/wishlist-jobs/state').set('Accept', 'text/html')).status).toBe(303);
      }
      for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expect((await request(app).get(`/admin/wishlist-jobs/assets/${name}`)).status).toBe(404);
      }
      expect(lines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
    } finally {
      await cron.stop();
      await deadPool.end();
    }
  });
});

describe('the console token sign-in', () => {
  const signIn = async (s: Stack) => {
    const res = await request(s.app).post('/admin/wishlist-jobs/sign-in').type('form').send({ token: ADMIN_TOKEN });
    expect(res.status).toBe(303);
    return res.headers['set-cookie'] as unknown as string[];
  };

  test('signing out ends the session everywhere: the old cookie and its CSRF token stop working', async () => {
    const s = await startStack();
    try {
      const cookie = await signIn(s);
      const page = await request(s.app).get('/admin/wishlist-jobs').set('Cookie', cookie);
      expect(page.status).toBe(200);
      const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.text)![1];
      expect((await request(s.app).post('/admin/wishlist-jobs/sign-out').set('Cookie', cookie).type('form').send({ _csrf: csrf })).status).toBe(303);
      // A second app on the same database stands for another instance.
      const other = createApp({ logger: pino({ level: 'silent' }), ...s.alerts });
      for (const app of [s.app, other]) {
        const again = await request(app).get('/admin/wishlist-jobs').set('Cookie', cookie).set('Accept', 'text/html');
        expect([again.status, again.headers.location]).toEqual([303, '/admin/wishlist-jobs/sign-in']);
        const run = await request(app).post('/admin/wishlist-jobs/run/wishlist-sale-check').set('Cookie', cookie).set('x-csrf-token', csrf);
        expect(run.status).toBe(401);
      }
    } finally {
      await s.close();
    }
  });

  test('in production the cookie is Secure even over plain http', async () => {
    const s = await startStack({ NODE_ENV: 'production', UNSUBSCRIBE_SECRET, FRONTEND_URL: 'https://simfab.com', FRONTEND_URL_EU: 'https://simfab.eu' });
    try {
      const [cookie] = await signIn(s);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
    } finally {
      await s.close();
    }
  });
});

describe('failed sign-ins', () => {
  test('past twenty wrong tokens from one address in a minute: 429 with Retry-After, on the API and the console alike; the right token still passes', async () => {
    const s = await startStack();
    try {
      for (let i = 0; i < 20; i++) {
        expect((await request(s.app).get(`${API}/status`).set('Authorization', 'Bearer wrong-guess')).status).toBe(401);
      }
      const limited = await request(s.app).get(`${API}/status`).set('Authorization', 'Bearer wrong-guess');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await request(s.app).post('/admin/wishlist-jobs/sign-in').type('form').send({ token: 'wrong-again' })).status).toBe(429);
      // Behind a proxy many callers share an address: the right token is never refused.
      expect((await request(s.app).get(`${API}/status`).set('Authorization', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
      expect((await request(s.app).post('/admin/wishlist-jobs/sign-in').type('form').send({ token: ADMIN_TOKEN })).status).toBe(303);
    } finally {
      await s.close();
    }
  });

  test('one warning a minute sums the failures up by address, never showing what was tried', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    let now = 0;
    const failures = new AuthFailures({ logger, limit: 3, now: () => now });
    const req = (ip: string) => ({ ip }) as Request;
    const res = { set: () => undefined } as unknown as import('express').Response;
    for (const ip of ['10.0.0.1', '10.0.0.1', '10.0.0.2']) failures.record(req(ip));
    expect(() => failures.refuseIfLimited(req('10.0.0.2'), res)).not.toThrow();
    failures.record(req('10.0.0.1'));
    expect(() => failures.refuseIfLimited(req('10.0.0.1'), res)).not.toThrow(); // three: at the limit
    failures.record(req('10.0.0.1'));
    expect(() => failures.refuseIfLimited(req('10.0.0.1'), res)).toThrow('Too many failed sign-ins');
    now += 61_000;
    expect(() => failures.refuseIfLimited(req('10.0.0.1'), res)).not.toThrow();
    failures.close();
    expect(lines).toEqual([expect.objectContaining({
      level: 40, failures: 5, addresses: 2, top: [{ address: '10.0.0.1', failures: 4 }, { address: '10.0.0.2', failures: 1 }],
    })]);
    expect(JSON.stringify(lines)).not.toContain('wrong-guess');
  });

  test('1,500 addresses: the summary is a count and the top five, and addresses idle for a minute are forgotten', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    let now = 0;
    const failures = new AuthFailures({ logger, limit: 3, now: () => now });
    const req = (ip: string) => ({ ip }) as Request;
    for (let i = 0; i < 1500; i++) failures.record(req(`10.1.${i >> 8}.${i & 255}`));
    for (let i = 0; i < 7; i++) failures.record(req('10.9.9.9'));
    expect(failures.tracked).toBe(1501);
    now += 61_000;
    failures.record(req('10.9.9.10'));
    failures.close();
    expect(failures.tracked).toBe(1); // only the address that failed in the last minute
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ failures: 1508, addresses: 1502 });
    expect((lines[0].top as unknown[])).toHaveLength(5);
    expect((lines[0].top as unknown[])[0]).toEqual({ address: '10.9.9.9', failures: 7 });
    expect(JSON.stringify(lines[0]).length).toBeLessThan(1000);
  });

  test('at most 10,000 addresses are followed, however many fail within one minute', async () => {
    const failures = new AuthFailures({ logger: pino({ level: 'silent' }), now: () => 0 });
    for (let i = 0; i < 25_000; i++) failures.record({ ip: `10.2.${i >> 8}.${i & 255}` } as Request);
    expect(failures.tracked).toBeLessThanOrEqual(10_000);
    failures.close();
  });
});
