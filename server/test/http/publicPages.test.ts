import express from 'express';
import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { createPool } from '../../src/db/pool';
import { createApp } from '../../src/http/app';
import { CronService } from '../../src/jobs/CronService';
import { silentLogger } from '../../src/logger';
import { signUnsubscribe } from '../../src/unsubscribe/tokens';
import { createWishlistAlerts } from '../../src/wishlistAlerts';
import { ADMIN_TOKEN, UNSUBSCRIBE_SECRET } from '../support/stack';

/** The module on a database that refuses connections, mounted the way the shop mounts it: its routers on the host's own app. */
function onDeadDatabase(env: Record<string, string> = {}) {
  const logger = silentLogger();
  const pool = createPool('postgres://nobody:pool-secret@127.0.0.1:1/none', logger);
  const cron = new CronService({ logger });
  const alerts = createWishlistAlerts({
    pool, cron, logger, config: loadConfig(env), adminToken: ADMIN_TOKEN, unsubscribeSecret: UNSUBSCRIBE_SECRET,
  });
  const host = express();
  for (const name of ['unsubscribe', 'health'] as const) host.use(alerts.paths[name], alerts.routers[name]);
  const link = `${alerts.paths.unsubscribe}/${signUnsubscribe(UNSUBSCRIBE_SECRET, { type: 'item', wishlistId: 7, kind: 'sale' })}`;
  return { alerts, host, link, close: () => pool.end() };
}

describe('public pages', () => {
  test.each([
    ['en-US', 'en', 'Please try again later', 'We cannot handle your request right now.'],
    ['de-DE', 'de', 'Bitte versuchen Sie es später noch einmal', 'Ihre Anfrage kann gerade nicht bearbeitet werden.'],
  ])('with the database down, the unsubscribe page (%s) says "try again later" in the shop\'s language, 503, and nothing internal', async (locale, lang, title, body) => {
    const m = onDeadDatabase({ SHOP_LOCALE: locale });
    try {
      for (const method of ['get', 'post'] as const) {
        const res = await request(m.host)[method](m.link).type('form').send('List-Unsubscribe=One-Click');
        expect([method, res.status, res.type]).toEqual([method, 503, 'text/html']);
        expect(res.text).toContain(`<html lang="${lang}">`);
        expect(res.text).toContain(`<h1>${title}</h1>`);
        expect(res.text).toContain(body);
        expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|pool-secret|Database unavailable|Error 503/);
      }
    } finally {
      await m.close();
    }
  });

  test('the unsubscribe and health routers set their own security headers when a host mounts them without our app', async () => {
    const m = onDeadDatabase();
    try {
      for (const path of [m.link, `${m.alerts.paths.unsubscribe}/not-a-token`]) {
        const res = await request(m.host).get(path);
        expect([path, res.headers['x-content-type-options'], res.headers['x-frame-options']]).toEqual([path, 'nosniff', 'DENY']);
        expect(res.headers['content-security-policy']).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      }
      const health = await request(m.host).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'unavailable', database: 'down' });
      expect(health.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await m.close();
    }
  });

  test('every answer of the standalone app carries X-Content-Type-Options: nosniff', async () => {
    const m = onDeadDatabase();
    try {
      const app = createApp({ logger: silentLogger(), ...m.alerts });
      for (const path of ['/healthz', '/metrics', '/api/admin/wishlist-jobs/status', '/api/nothing', '/admin/wishlist-jobs', '/nothing', m.link]) {
        const res = await request(app).get(path);
        expect([path, res.headers['x-content-type-options']]).toEqual([path, 'nosniff']);
      }
    } finally {
      await m.close();
    }
  });
});
