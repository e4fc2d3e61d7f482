import request from 'supertest';
import type { Pool } from 'pg';
import type { Express } from 'express';
import { loadConfig } from '../../src/config/config';
import { silentLogger } from '../../src/logger';
import { CronService } from '../../src/jobs/CronService';
import { PgRunCoordinator } from '../../src/jobs/PgRunCoordinator';
import { createApp } from '../../src/http/app';
import { ensureShopStandIn } from '../../src/db/standin/shopStandIn';
import { migrate } from '../../src/db/migrate';
import { createWishlistAlerts, WishlistAlerts } from '../../src/wishlistAlerts';
import type { NotificationResult } from '../../src/services/WishlistNotificationService';
import type { AdminAccess } from '../../src/http/access';
import type { HttpsGet } from '../../src/bounces/httpsGet';
import { FakeClock } from './fakeClock';
import { SmtpSink } from './smtpSink';
import { createTestDatabase, TestDatabase } from './testDatabase';
import { startTcpProxy, TcpProxy } from './tcpProxy';
import { createPool } from '../../src/db/pool';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-0123456789abcdef';

export type Via = 'service' | 'http';

/** The two checks: the sale check also queues price drops. */
export type CheckKind = 'sale' | 'stock';

export interface Stack {
  /** The test's own path to the database (factories, assertions): never through the proxy. */
  db: TestDatabase;
  /** With `throughProxy`: the TCP proxy the module's pool goes through (freeze it to stall the database). */
  proxy: TcpProxy | null;
  sink: SmtpSink;
  clock: FakeClock;
  alerts: WishlistAlerts;
  cron: CronService;
  app: Express;
  /** Runs a check through the service or through POST /api/admin/wishlist-jobs/trigger-… */
  check(kind: CheckKind, via?: Via): Promise<NotificationResult>;
  close(): Promise<void>;
}

/**
 * The whole module on a database of its own (the stand-in of the shop's tables, migrated)
 * and a real SMTP sink, wired as the server wires it: mail goes through SMTP_URL.
 */
export async function startStack(
  env: Record<string, string> = {},
  opts: {
    access?: AdminAccess; snsFetch?: HttpsGet; sinkRepliesAsGiven?: boolean;
    /** Writes the shop's rows before the module is installed (migrated) on its tables. */
    beforeInstall?: (pool: Pool) => Promise<void>;
    /** The module's pool goes through a TCP proxy the test can freeze. */
    throughProxy?: boolean;
  } = {},
): Promise<Stack> {
  const db = await createTestDatabase({ migrated: !opts.beforeInstall });
  if (opts.beforeInstall) {
    await ensureShopStandIn(db.pool, silentLogger());
    await opts.beforeInstall(db.pool);
    await migrate(db.pool, silentLogger());
  }
  const sink = await SmtpSink.start({ repliesAsGiven: opts.sinkRepliesAsGiven });
  const clock = new FakeClock();
  const config = loadConfig({
    ADMIN_API_TOKEN: ADMIN_TOKEN, PUBLIC_URL: 'https://shop.example', FRONTEND_URL: 'https://simfab.example',
    FRONTEND_URL_EU: 'https://simfab-eu.example', SMTP_URL: sink.url,
    // The rules' tests announce a sale at the next check; the settle time has tests of its own.
    WISHLIST_SALE_SETTLE_SECONDS: '0',
    // The shop's Node process writes sale dates in its own zone; so do the factories here.
    SHOP_TIMEZONE: Intl.DateTimeFormat().resolvedOptions().timeZone, ...env,
  });
  const logger = silentLogger();
  const proxy = opts.throughProxy ? await startTcpProxy(db.url) : null;
  const pool = proxy ? createPool(proxy.url, logger) : db.pool;
  const cron = new CronService({ logger, coordinator: new PgRunCoordinator(pool, config.instanceId, config.leaseMs) });
  const alerts = createWishlistAlerts({
    pool, logger, cron, config, clock, adminToken: ADMIN_TOKEN, unsubscribeSecret: UNSUBSCRIBE_SECRET, access: opts.access,
    snsFetch: opts.snsFetch,
  });
  const app = createApp({ logger, ...alerts });

  async function check(kind: CheckKind, via: Via = 'service'): Promise<NotificationResult> {
    if (via === 'service') return kind === 'sale' ? alerts.notifications.checkSales() : alerts.notifications.checkStock();
    const res = await request(app)
      .post(`/api/admin/wishlist-jobs/trigger-${kind}-check`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    if (res.status !== 200) throw new Error(`trigger answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  return {
    db, proxy, sink, clock, alerts, cron, app, check,
    async close() {
      await proxy?.close(); // ends the frozen connections: what waited on them fails now
      await cron.stop();
      await alerts.close();
      if (pool !== db.pool) await pool.end();
      await sink.stop();
      await db.drop();
    },
  };
}
