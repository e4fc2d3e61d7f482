import { Client } from 'pg';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { describeDatabaseError } from '../../src/db/pool';
import { setRegionSetting } from '../support/factories';
import { ADMIN_TOKEN, startStack } from '../support/stack';

/**
 * Passwords with spaces, quotes, an unencoded @ and percent-escapes, in every place this
 * module shows a URL: configuration errors, /status's mail lines, the "cannot reach
 * PostgreSQL" error (the boot banner: server/test/process/server.test.ts).
 */
const PASSWORDS = ['My Smtp Pass', 'ab"cd ef', 'p@ss @w0rdz', 'p%40ss%20w0rd', "it's 'quoted'"];

/** Every piece of a password someone could recognise: as typed, encoded, decoded, and its words. */
function pieces(password: string): string[] {
  const decoded = decodeURIComponent(password.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  const whole = [password, decoded, encodeURIComponent(decoded), new URL(`smtp://u:${password}@h`).password];
  return [...new Set(whole.flatMap((f) => [f, ...f.split(/[\s@"'%]+/).filter((w) => w.length >= 4)]))];
}

function expectHidden(text: string, password: string): void {
  for (const piece of pieces(password)) expect(text).not.toContain(piece);
}

describe('a password is never shown, whatever it holds', () => {
  test.each(PASSWORDS)('configuration errors: %j in DATABASE_URL, SMTP_URL and a password= parameter', (password) => {
    let message = '';
    try {
      loadConfig({
        DATABASE_URL: `mysql://shop:${password}@db.example/shop`,
        SMTP_URL: `http://mailuser:${password}@mail.example:2526`,
        FRONTEND_URL: `ftp://shop.example/?password=${password}`,
        PORT: 'x',
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('DATABASE_URL="mysql://shop:***@db.example/shop"');
    expect(message).toContain('SMTP_URL="http://mailuser:***@mail.example:2526"');
    expect(message).toMatch(/FRONTEND_URL="ftp:\/\/shop\.example\/\?password=\*\*\*"/);
    expectHidden(message, password);
  });

  test.each(PASSWORDS)('the "cannot reach PostgreSQL" error: %j', async (password) => {
    const url = `postgres://shop:${password}@127.0.0.1:1/shop`;
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    const err = await client.connect().then(() => null, (e: unknown) => e);
    await client.end().catch(() => undefined);
    const message = describeDatabaseError(err, url);
    expect(message).toMatch(/^cannot reach PostgreSQL at postgres:\/\/shop:\*\*\*@127\.0\.0\.1:1\/shop \(/);
    expectHidden(message, password);
  });

  test("/status's mail lines: SMTP_URL for the US store, the EU store's region_settings", async () => {
    const [us, eu] = ['My Smtp Pass@x', 'ab"cd ef%20g'];
    const s = await startStack({ SMTP_URL: `smtp://mailuser:${us}@127.0.0.1:2526` });
    try {
      const res = await request(s.app).get('/api/admin/wishlist-jobs/status').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
      expect(res.body.data.mail.us).toContain('SMTP_URL: smtp://mailuser:***@127.0.0.1:2526');
      expectHidden(JSON.stringify(res.body), us);
    } finally {
      await s.close();
    }
    const t = await startStack({ SMTP_URL: '' });
    try {
      for (const [key, value] of [['smtp_host', 'mail.eu.example'], ['smtp_user', 'eu user'], ['smtp_password', eu], ['smtp_enabled', 'true']]) {
        await setRegionSetting(t.db.pool, 'eu', key, value);
      }
      const res = await request(t.app).get('/api/admin/wishlist-jobs/status').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
      expect(res.body.data.mail.eu).toContain('smtp://eu%20user:***@mail.eu.example:587');
      expectHidden(JSON.stringify(res.body), eu);
    } finally {
      await t.close();
    }
  });
});
