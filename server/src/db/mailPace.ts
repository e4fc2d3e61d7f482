import type { Pool, PoolClient } from 'pg';
import type { Region } from '../domain';
import type { Db } from './pool';
import { withTransaction } from './pool';
import { PaceState, raise, slotsPerReservation, throttle } from '../services/delivery/paceRule';

/** Slots reserved for one sender: the first is `firstInMs` from now, then one every `intervalMs`. */
export interface Reservation {
  count: number;
  firstInMs: number;
  intervalMs: number;
  rate: number;
}

// Times as epoch milliseconds, read and compared on the database's clock: every instance's
// reservations are on one timeline, whatever their own clocks say.
const LOCK_STATE = `
  SELECT ceiling, rate, extract(epoch FROM next_at) * 1000 AS next_at, extract(epoch FROM raised_at) * 1000 AS raised_at,
         extract(epoch FROM throttled_at) * 1000 AS throttled_at, probe_to, extract(epoch FROM clock_timestamp()) * 1000 AS now
    FROM wishlist_alert_mail_pace WHERE region = $1 FOR UPDATE`;

type Locked = { state: PaceState; nextAt: number; now: number };

async function lockState(client: PoolClient, region: Region, ceiling: number | null): Promise<Locked> {
  await client.query(
    `INSERT INTO wishlist_alert_mail_pace (region, ceiling, rate) VALUES ($1, $2, $2) ON CONFLICT (region) DO NOTHING`,
    [region, ceiling],
  );
  const { rows: [r] } = await client.query(LOCK_STATE, [region]);
  const num = (v: unknown) => (v === null ? null : Number(v));
  return {
    state: { ceiling: num(r.ceiling), rate: num(r.rate), raisedAt: Number(r.raised_at), throttledAt: num(r.throttled_at), probeTo: num(r.probe_to) },
    nextAt: Number(r.next_at),
    now: Number(r.now),
  };
}

const ms = (column: string, n: number) => `${column} = to_timestamp($${n}::float8 / 1000)`;

async function save(client: PoolClient, region: Region, s: PaceState, nextAt: number): Promise<void> {
  await client.query(
    `UPDATE wishlist_alert_mail_pace SET ceiling = $2, rate = $3, probe_to = $4, ${ms('raised_at', 5)}, ${ms('next_at', 6)},
            throttled_at = CASE WHEN $7::float8 IS NULL THEN NULL ELSE to_timestamp($7::float8 / 1000) END
      WHERE region = $1`,
    [region, s.ceiling, s.rate, s.probeTo, s.raisedAt, nextAt, s.throttledAt],
  );
}

/**
 * Takes the store's next send slots, for every instance together. Null: the store has no
 * limit now (none configured, and no throttling holds it back).
 */
export function reserveSlots(pool: Pool, region: Region, ceiling: number | null): Promise<Reservation | null> {
  return withTransaction(pool, async (client) => {
    const { state, nextAt, now } = await lockState(client, region, ceiling);
    const raised = raise(state, ceiling, now);
    if (raised.rate === null) {
      await save(client, region, raised, now);
      return null;
    }
    const count = slotsPerReservation(raised.rate);
    const intervalMs = 1000 / raised.rate;
    const first = Math.max(nextAt, now);
    await save(client, region, raised, first + count * intervalMs);
    return { count, firstInMs: first - now, intervalMs, rate: raised.rate };
  });
}

/** A throttling refusal: the store's pace halves (once per burst), for every instance. */
export function recordThrottle(
  pool: Pool, region: Region, ceiling: number | null, observedRate: number, reply: string,
): Promise<{ rate: number | null; halved: boolean }> {
  return withTransaction(pool, async (client) => {
    const { state, nextAt, now } = await lockState(client, region, ceiling);
    // Halved from the pace as it stands now, raised for the quiet time since it was last saved.
    const current = raise(state, ceiling, now);
    const next = throttle(current, now, observedRate);
    // The slots handed out at the old pace are not taken back; the next ones follow the new pace.
    await save(client, region, next, nextAt);
    await client.query(
      `UPDATE wishlist_alert_mail_pace SET throttles = throttles + 1, throttled_reply = left($2, 300) WHERE region = $1`, [region, reply],
    );
    return { rate: next.rate, halved: next !== current };
  });
}

export interface PaceRow {
  region: Region;
  /** The stored state; null: the store never sent with a limit, nor was throttled. */
  state: PaceState | null;
  throttledReply: string | null;
  throttles: number;
  /** Messages due and not yet sent. */
  queued: number;
  /** The database's clock, ms. */
  now: number;
}

/** Each store's pace and what waits for it, for /status and the console. */
export async function readPaces(db: Db): Promise<PaceRow[]> {
  const { rows } = await db.query(
    `SELECT r.region, p.region IS NOT NULL AS stored, p.ceiling, p.rate, p.probe_to, p.throttled_reply, coalesce(p.throttles, 0) AS throttles,
            extract(epoch FROM p.raised_at) * 1000 AS raised_at, extract(epoch FROM p.throttled_at) * 1000 AS throttled_at,
            extract(epoch FROM clock_timestamp()) * 1000 AS now,
            (SELECT count(*) FROM wishlist_alert_messages m
              WHERE m.region = r.region AND m.status IN ('pending', 'sending') AND m.next_attempt_at <= now()) AS queued
       FROM (VALUES ('us'), ('eu')) AS r(region)
       LEFT JOIN wishlist_alert_mail_pace p ON p.region = r.region
      ORDER BY r.region DESC`,
  );
  const num = (v: unknown) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    region: r.region,
    state: r.stored
      ? { ceiling: num(r.ceiling), rate: num(r.rate), raisedAt: Number(r.raised_at), throttledAt: num(r.throttled_at), probeTo: num(r.probe_to) }
      : null,
    throttledReply: r.throttled_reply, throttles: Number(r.throttles), queued: Number(r.queued), now: Number(r.now),
  }));
}
