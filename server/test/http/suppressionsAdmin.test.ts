import request from 'supertest';
import type { Request } from 'express';
import pino from 'pino';
import { Writable } from 'stream';
import type { AdminAccess } from '../../src/http/access';
import { SuppressionList } from '../../src/services/SuppressionList';
import { insertUser } from '../support/factories';
import { Stack, startStack } from '../support/stack';

/** A host's sign-in for the tests: the X-Test-User header names a signed-in user and their rights. */
const testAccess: AdminAccess = (req: Request) => {
  const user = req.get('x-test-user');
  if (!user) return null;
  return { who: `user ${user}`, canView: true, canAct: user === 'manager', sessionKey: `test:${user}` };
};
const API = '/api/admin/wishlist-jobs';

describe('the suppression list in the admin API and the console', () => {
  let s: Stack;
  let ids: { gone: string; kept: string; angry: string };
  let shopper: { id: number; email: string };
  beforeAll(async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' }, { access: testAccess });
    shopper = await insertUser(s.db.pool, { email: 'kept@example.com' });
    await s.alerts.suppressions.report({ events: [{ kind: 'bounce', address: 'gone@example.com', reason: 'permanent bounce' }], ignored: 0 }, 'test');
    await s.alerts.suppressions.report({ events: [{ kind: 'bounce', address: 'kept@example.com', reason: 'permanent bounce' }], ignored: 0 }, 'test');
    await s.alerts.suppressions.report({ events: [{ kind: 'complaint', address: 'angry@example.com', reason: 'complaint' }], ignored: 0 }, 'test');
    const { rows } = await s.db.pool.query(`SELECT id::text, address FROM wishlist_alert_suppressions ORDER BY id`);
    ids = { gone: rows[0].id, kept: rows[1].id, angry: rows[2].id };
  });
  afterAll(() => s.close());

  const as = (user: string) => ({ get: (path: string) => request(s.app).get(path).set('x-test-user', user) });

  test('GET /suppressions pages newest first, addresses masked, with the shopper each holds back now; filters by source and shopper', async () => {
    const first = await as('viewer').get(`${API}/suppressions?limit=2`).expect(200);
    expect(first.body.data.suppressions.map((r: { address: string }) => r.address)).toEqual(['a***@example.com', 'k***@example.com']);
    expect(first.body.data.suppressions[1]).toMatchObject({ source: 'notification', userId: shopper.id, reports: 1, reason: 'permanent bounce' });
    expect(first.body.data.counts).toEqual({ total: 3, bySource: { smtp: 0, notification: 2, complaint: 1 } });
    const next = await as('viewer').get(`${API}/suppressions?limit=2&before=${first.body.data.nextBefore}`).expect(200);
    expect(next.body.data).toMatchObject({ suppressions: [{ address: 'g***@example.com', userId: null }], nextBefore: null });
    expect((await as('viewer').get(`${API}/suppressions?source=complaint`)).body.data.suppressions).toHaveLength(1);
    expect((await as('viewer').get(`${API}/suppressions?userId=${shopper.id}`)).body.data.suppressions).toEqual([
      expect.objectContaining({ id: ids.kept }),
    ]);
    expect((await as('viewer').get(`${API}/suppressions?source=other`)).status).toBe(400);
    expect(JSON.stringify(first.body)).not.toMatch(/gone@|kept@|angry@/);
  });

  test('DELETE is an action: a viewer is refused, a session needs its CSRF token', async () => {
    const del = (user: string, csrf?: string) => {
      const r = request(s.app).delete(`${API}/suppressions/${ids.gone}`).set('x-test-user', user);
      return csrf ? r.set('x-csrf-token', csrf) : r;
    };
    expect((await del('viewer')).status).toBe(403);
    const noToken = await del('manager');
    expect([noToken.status, noToken.body.error]).toEqual([403, expect.stringMatching(/CSRF/)]);
    const csrf = (await as('manager').get(`${API}/csrf-token`)).body.data.csrfToken;
    expect((await del('manager', csrf)).status).toBe(200);
    expect((await s.db.pool.query('SELECT 1 FROM wishlist_alert_suppressions WHERE id = $1', [ids.gone])).rowCount).toBe(0);
  });

  test('the console shows the count by source and the entries; a manager lifts one with the CSRF token', async () => {
    const viewer = await as('viewer').get('/admin/wishlist-jobs').expect(200);
    expect(viewer.text).toMatch(/2 suppressed addresses:\s+0 refused by the mail server, 1 reported bounced, 1 complaint\./);
    expect(viewer.text).toContain('No provider notifications are accepted');
    expect(viewer.text).toContain('k***@example.com');
    expect(viewer.text).not.toContain('kept@example.com');
    expect(viewer.text).not.toContain(`Lift ${ids.kept}`);

    const manager = await as('manager').get('/admin/wishlist-jobs').expect(200);
    expect(manager.text).toContain(`Lift ${ids.kept}`);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(manager.text)![1];
    const lift = (token?: string) =>
      request(s.app).post(`/admin/wishlist-jobs/suppressions/${ids.kept}/lift`).set('x-test-user', 'manager').type('form').send(token ? { _csrf: token } : {});
    expect((await lift()).status).toBe(403);
    const done = await lift(csrf);
    expect([done.status, done.headers.location]).toEqual([303, '/admin/wishlist-jobs#suppressions']);
    expect((await as('viewer').get('/admin/wishlist-jobs')).text).toMatch(/1 suppressed address:/);
  });
});

describe('what the suppression list logs', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' });
  });
  afterAll(() => s.close());

  test('the shopper id and masked addresses, never an address', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const list = new SuppressionList({ db: s.db.pool, clock: s.clock, logger });
    const jane = await insertUser(s.db.pool, { email: 'jane.secret@example.com' });
    const refusal = { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 <jane.secret@example.com>: user unknown' };
    await list.refused({ userId: jane.id, to: jane.email, stored: jane.email, sentTo: jane.email }, refusal);
    await list.report({ events: [{ kind: 'complaint', address: 'bob.secret@example.com', reason: 'complaint from bob.secret@example.com' }], ignored: 0 }, 'SNS test');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).not.toMatch(/jane\.secret|bob\.secret/);
    expect(lines.join('\n')).toContain('j***@example.com');
    const { rows } = await s.db.pool.query('SELECT reason FROM wishlist_alert_suppressions ORDER BY id');
    expect(rows).toEqual([{ reason: '550 5.1.1 <j***@example.com>: user unknown' }, { reason: 'complaint from b***@example.com' }]);
  });
});
