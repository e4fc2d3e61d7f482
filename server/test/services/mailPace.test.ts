import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/logger';
import { createAlertRenderer, mailSettingsFrom } from '../../src/mail/render';
import { AlertDelivery } from '../../src/services/delivery/AlertDelivery';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { ADMIN_TOKEN, Stack, startStack, UNSUBSCRIBE_SECRET } from '../support/stack';

/**
 * Delivery at the provider's pace, against a real SMTP server that throttles as providers
 * do: a limit shared by every instance, throttling refusals that slow the store down and
 * cost no attempt, and nothing lost.
 */
describe('delivery at the mail provider pace', () => {
  let s: Stack;
  afterEach(() => s.close());

  /** `count` shoppers with one item on sale each, queued; their addresses. */
  async function queued(count: number): Promise<string[]> {
    const addresses = [];
    for (let i = 0; i < count; i++) {
      const user = await insertUser(s.db.pool);
      const productId = await insertProduct(s.db.pool, { name: `Wheel ${i}`, regularPrice: 200 });
      await addToWishlist(s.db.pool, user.id, productId);
      await startSale(s.db.pool, productId, 150);
      addresses.push(user.email);
    }
    // Queued without sending (the sink is down), then back to untried.
    await s.sink.pause();
    await s.check('sale');
    await s.sink.resume();
    await s.db.pool.query(`UPDATE wishlist_alert_messages SET attempts = 0, last_error = NULL, next_attempt_at = $1`, [s.clock.now()]);
    return addresses;
  }

  /** Delivers until nothing is left (a run that met a provider refusing everything leaves the rest for the next). */
  async function deliverAll(deliverers: AlertDelivery[]) {
    const totals = { emails: 0, errors: 0 };
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(deliverers.map((d) => d.deliver('sale')));
      for (const r of results) {
        totals.emails += r.emails;
        totals.errors += r.errors;
      }
      const { rows } = await s.db.pool.query(`SELECT count(*)::int AS n FROM wishlist_alert_messages WHERE status IN ('pending', 'sending')`);
      if (rows[0].n === 0) break;
    }
    return totals;
  }

  async function messages() {
    const { rows } = await s.db.pool.query(`SELECT status, attempts FROM wishlist_alert_messages ORDER BY id`);
    return rows;
  }

  test('two instances together stay within the store limit, and every alert goes out once', async () => {
    const RATE = 20;
    const env = { WISHLIST_MAIL_RATE_PER_SECOND: String(RATE), WISHLIST_BATCH_SIZE: '10' };
    s = await startStack(env);
    const users = await queued(60);
    const config = loadConfig({ PUBLIC_URL: 'https://shop.example', FRONTEND_URL: 'https://simfab.example', ...env });
    const other = new AlertDelivery({
      pool: s.db.pool, router: s.alerts.mail, logger: silentLogger(), clock: s.clock,
      render: createAlertRenderer(mailSettingsFrom(config, UNSUBSCRIBE_SECRET)),
      timezone: async () => 'UTC',
      settings: {
        batchSize: 10, maxEmailsPerDay: 0, saleMinDropPercent: 0, maxAttempts: 8, retryBaseMs: 60_000, leaseMs: 60_000,
        instanceId: 'second-instance', concurrency: 5, storefronts: { us: 'https://simfab.example', eu: 'https://simfab.example' },
        saleSettleSeconds: 0, priceDropEnabled: true, mailRates: config.mailRates,
      },
    });

    const [mine, theirs] = await Promise.all([s.alerts.delivery.deliver('sale'), other.deliver('sale')]);

    expect(mine.emails + theirs.emails).toBe(60);
    expect(mine.emails).toBeGreaterThan(0);
    expect(theirs.emails).toBeGreaterThan(0);
    expect(s.sink.received.map((m) => m.to[0]).sort()).toEqual([...users].sort());
    // A limit held per instance would let the two send 2 × 20 a second, and sixty emails in
    // half of 59/20 s. The margins are wide on purpose: on a busy machine an email accepted
    // late (the first on a new connection) shares its second with the ones on time after it,
    // and a slower machine only spreads them out.
    const at = [...s.sink.acceptedAt].sort((a, b) => a - b);
    const span = at[at.length - 1] - at[0];
    expect(span).toBeGreaterThanOrEqual(((60 - 1) / RATE) * 1000 * 0.75);
    const mostInASecond = Math.max(...at.map((t, i) => at.filter((u, j) => j >= i && u < t + 1000).length));
    expect(mostInASecond).toBeLessThanOrEqual(RATE * 1.5);
  });

  test('a provider that refuses every email over its rate: all delivered, none failed, no attempt counted for the refusals', async () => {
    s = await startStack();
    await queued(60);
    s.sink.throttleAbove = 20;

    const totals = await deliverAll([s.alerts.delivery]);

    expect(s.sink.throttled).toBeGreaterThan(0);
    expect(totals).toEqual({ emails: 60, errors: 0 });
    expect(new Set(s.sink.received.map((m) => m.to[0])).size).toBe(60);
    expect(await messages()).toEqual(Array.from({ length: 60 }, () => ({ status: 'sent', attempts: 1 })));
    const { rows: [pace] } = await s.db.pool.query(`SELECT rate, throttles, throttled_reply FROM wishlist_alert_mail_pace WHERE region = 'us'`);
    expect(Number(pace.throttles)).toBe(s.sink.throttled);
    expect(pace.throttled_reply).toMatch(/^454 .*Throttling failure/);

    // /status says the store was throttled and what its pace is.
    const res = await request(s.app).get('/api/admin/wishlist-jobs/status').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    const us = res.body.data.mailPace.find((p: { region: string }) => p.region === 'us');
    expect(us).toMatchObject({ region: 'us', limitPerSecond: null, throttles: s.sink.throttled, queued: 0, secondsLeft: expect.any(Number) });
    expect(us.lastThrottleReply).toMatch(/Throttling failure/);
    expect(us.throttled).toBe(us.pacePerSecond !== null);
  });

  test('a provider that refuses the connections themselves (421): the alerts wait and go out with no attempt spent', async () => {
    s = await startStack();
    await queued(5);
    s.sink.refuseConnections(3, { code: 421, message: 'Too many connections, try again later' });

    const totals = await deliverAll([s.alerts.delivery]);

    expect(totals).toEqual({ emails: 5, errors: 0 });
    expect(await messages()).toEqual(Array.from({ length: 5 }, () => ({ status: 'sent', attempts: 1 })));
    const { rows: [pace] } = await s.db.pool.query(`SELECT throttles FROM wishlist_alert_mail_pace WHERE region = 'us'`);
    expect(Number(pace.throttles)).toBeGreaterThanOrEqual(1);
  });

  test('stopping while emails wait for a slow pace: the run ends at once and the rest go back untried', async () => {
    s = await startStack({ WISHLIST_MAIL_RATE_PER_SECOND: '0.5' });
    await queued(6);
    const run = s.alerts.delivery.deliver('sale');
    while (s.sink.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    s.alerts.delivery.stopSending();

    const result = await run;

    // One slot every two seconds: without the stop the run would take ten seconds more.
    expect(result.emails).toBeLessThan(6);
    const rows = await messages();
    expect(rows.filter((m) => m.status === 'sent')).toHaveLength(result.emails);
    expect(rows.filter((m) => m.status !== 'sent')).toEqual(
      Array.from({ length: 6 - result.emails }, () => ({ status: 'pending', attempts: 0 })),
    );
  });

  test('a store with a limit shows it, its pace and the time left for what is queued', async () => {
    s = await startStack({ WISHLIST_MAIL_RATE_PER_SECOND: '14', WISHLIST_MAIL_RATE_PER_SECOND_EU: '2' });
    await queued(3);
    const res = await request(s.app).get('/api/admin/wishlist-jobs/status').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.body.data.mailPace).toEqual([
      expect.objectContaining({ region: 'us', limitPerSecond: 14, pacePerSecond: 14, throttled: false, queued: 3, secondsLeft: 1 }),
      expect.objectContaining({ region: 'eu', limitPerSecond: 2, pacePerSecond: 2, throttled: false, queued: 0, secondsLeft: 0 }),
    ]);
  });
});
