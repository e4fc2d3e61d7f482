import addressparser from 'nodemailer/lib/addressparser';
import pino from 'pino';
import type { Db } from '../../src/db/pool';
import { readRegionMailSettings, type Region, type RegionMailSettings } from '../../src/db/regionSettings';
import { silentLogger } from '../../src/logger';
import { MailSources, resolveMailSource, testModeRecipient, type MailSourceInputs } from '../../src/mail/mailSources';
import { formatAddress } from '../../src/mail/address';
import { parseShopMailEnv } from '../../src/mail/shopMailEnv';
import { FakeClock } from '../support/fakeClock';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const MAIL_FROM = 'Wishlist Alerts <wishlist@shop.example>';

function region(over: Partial<RegionMailSettings> = {}): RegionMailSettings {
  return {
    smtpHost: null, smtpPort: 587, smtpUser: null, smtpPassword: null, smtpFromEmail: null, smtpFromName: null,
    smtpEnabled: true, smtpTestMode: false, smtpTestEmail: null, currency: 'EUR', problems: [], ...over,
  };
}

function inputs(over: Partial<MailSourceInputs> & { eu?: Partial<RegionMailSettings>; env?: Record<string, string> } = {}): MailSourceInputs {
  const { eu, env, ...rest } = over;
  return {
    shopEnv: parseShopMailEnv(env ?? {}),
    regionSettings: new Map<Region, RegionMailSettings>(eu ? [['eu', region(eu)]] : []),
    mailFrom: MAIL_FROM,
    production: false,
    ...rest,
  };
}

const EU_SERVER = { smtpHost: 'mail.eu.example', smtpUser: 'eu-user', smtpPassword: 'eu-secret' };
const SHOP_ENV = { SMTP_HOST: 'smtp.shop.example', SMTP_USER: 'shop', SMTP_PASS: 'shop-secret', EMAIL_TEST_MODE: 'false' };

describe('parseShopMailEnv', () => {
  it('is unset without a host, and reads the EMAIL_ aliases and the password variants', () => {
    expect(parseShopMailEnv({ SMTP_USER: 'x', SMTP_PASS: 'y' }).settings).toBeUndefined();
    const env = parseShopMailEnv({ EMAIL_SMTP_HOST: 'h', EMAIL_SMTP_PORT: '465', EMAIL_SMTP_USER: 'u', SMTP_PASSWORD: 'p' });
    expect(env.settings).toMatchObject({ host: 'h', hostVariable: 'EMAIL_SMTP_HOST', port: 465, user: 'u', password: 'p' });
    expect(Object.isFrozen(env)).toBe(true);
    expect(parseShopMailEnv({ EMAIL_USE_ENV: 'true' }).settings).toMatchObject({ host: null, useEnv: true });
  });

  it('lists bad values by variable name', () => {
    const env = parseShopMailEnv({ SMTP_HOST: 'h', SMTP_PORT: '58x', EMAIL_TEST_MODE: 'maybe', EMAIL_TEST_EMAIL: 'qa at shop' });
    expect(env.problems).toHaveLength(3);
    expect(env.problems.join('\n')).toMatch(/^SMTP_PORT="58x".*\nEMAIL_TEST_EMAIL=.*\nEMAIL_TEST_MODE=/);
  });

  it('is in test mode when EMAIL_TEST_MODE is unset and credentials are missing, as the shop reads it', () => {
    expect(parseShopMailEnv({ SMTP_HOST: 'h' }).settings?.testMode).toBe(true);
    expect(parseShopMailEnv({ SMTP_HOST: 'h', SMTP_USER: 'u', SMTP_PASS: 'p' }).settings?.testMode).toBe(false);
  });
});

describe('resolveMailSource: which server', () => {
  it('takes SMTP_URL over the region settings and the shop variables', () => {
    const s = resolveMailSource('eu', inputs({ smtpUrl: 'smtp://a:b@relay.example:2525', eu: EU_SERVER, env: SHOP_ENV }));
    expect(s.kind).toBe('smtp-url');
    expect(s.transport).toEqual({ url: 'smtp://a:b@relay.example:2525' });
  });

  it('takes the region settings over the shop variables, with implicit TLS only on 465', () => {
    const s = resolveMailSource('eu', inputs({ eu: EU_SERVER, env: SHOP_ENV }));
    expect(s.kind).toBe('region-settings');
    expect(s.transport).toEqual({ host: 'mail.eu.example', port: 587, secure: false, auth: { user: 'eu-user', pass: 'eu-secret' } });
    expect(resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpPort: 465 } })).transport).toMatchObject({ secure: true });
    expect(resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpPort: 2525 } })).transport).toMatchObject({ port: 2525, secure: false });
    // The other region has no settings of its own.
    expect(resolveMailSource('us', inputs({ eu: EU_SERVER, env: SHOP_ENV })).kind).toBe('shop-variables');
  });

  it('skips the region settings when smtp_enabled is false or the host is empty', () => {
    const disabled = resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpEnabled: false }, env: SHOP_ENV }));
    expect(disabled.kind).toBe('shop-variables');
    expect(disabled.transport).toMatchObject({ host: 'smtp.shop.example', port: 587 });
    expect(disabled.describe).toContain('smtp_enabled is not true');
    expect(resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpHost: null }, env: SHOP_ENV })).kind).toBe('shop-variables');
  });

  it('falls back to the preview folder in development, and to none (naming SMTP_URL) in production', () => {
    expect(resolveMailSource('eu', inputs({ eu: { smtpFromName: 'SimFab EU' } })).kind).toBe('preview');
    expect(resolveMailSource('eu', inputs({ env: { EMAIL_USE_ENV: 'true' } })).kind).toBe('preview');
    const none = resolveMailSource('eu', inputs({ production: true, eu: { ...EU_SERVER, smtpEnabled: false } }));
    expect(none.kind).toBe('none');
    expect(none.transport).toBeUndefined();
    expect(none.reason).toMatch(/SMTP_URL/);
  });

  it('gives equal transports equal keys, a changed password a new key, and no key a password', () => {
    const a = resolveMailSource('eu', inputs({ eu: EU_SERVER }));
    const b = resolveMailSource('us', inputs({ regionSettings: new Map([['us', region(EU_SERVER)]]) }));
    const c = resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpPassword: 'other' } }));
    expect(a.key).toBe(b.key);
    expect(c.key).not.toBe(a.key);
    expect(a.key).not.toContain('eu-secret');
  });
});

describe('resolveMailSource: sender and description', () => {
  it("uses the region's name and address, each falling back to MAIL_FROM's", () => {
    expect(resolveMailSource('eu', inputs()).from).toBe(MAIL_FROM);
    expect(resolveMailSource('eu', inputs({ eu: { smtpFromName: 'SimFab EU', smtpFromEmail: 'eu@simfab.eu' } })).from).toBe('SimFab EU <eu@simfab.eu>');
    expect(resolveMailSource('eu', inputs({ eu: { smtpFromName: 'SimFab EU' } })).from).toBe('SimFab EU <wishlist@shop.example>');
    expect(resolveMailSource('eu', inputs({ eu: { smtpFromEmail: 'not an address' } })).from).toBe(MAIL_FROM);
  });

  it("uses the shop's EMAIL_FROM_* only with the shop's server", () => {
    const env = { ...SHOP_ENV, EMAIL_FROM_EMAIL: 'noreply@simfab.com', EMAIL_FROM_NAME: 'SimFab' };
    expect(resolveMailSource('us', inputs({ env })).from).toBe('SimFab <noreply@simfab.com>');
    expect(resolveMailSource('us', inputs({ env, smtpUrl: 'smtp://relay.example' })).from).toBe(MAIL_FROM);
  });

  it('quotes a name so it parses back as one mailbox, and drops line breaks', () => {
    const from = formatAddress('SimFab "EU", <Sales>\r\nBcc: x@evil.example', 'eu@simfab.eu');
    expect(from).not.toMatch(/[\r\n]/);
    expect(addressparser(from, { flatten: true })).toEqual([{ name: 'SimFab "EU", <Sales> Bcc: x@evil.example', address: 'eu@simfab.eu' }]);
  });

  it('masks passwords in the description of every kind of server', () => {
    const url = resolveMailSource('eu', inputs({ smtpUrl: 'smtps://relay:url-secret@relay.example:465' }));
    const rs = resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpFromName: 'SimFab EU', smtpTestMode: true, smtpTestEmail: 'qa@x.example' } }));
    const shop = resolveMailSource('us', inputs({ env: SHOP_ENV }));
    expect(url.describe).toBe(`SMTP_URL: smtps://relay:***@relay.example:465, from ${MAIL_FROM}`);
    expect(rs.describe).toBe('region_settings (eu): smtp://eu-user:***@mail.eu.example:587, from SimFab EU <wishlist@shop.example>, test mode → qa@x.example');
    expect(shop.describe).toContain('smtp://shop:***@smtp.shop.example:587');
    for (const d of [url.describe, rs.describe, shop.describe]) expect(d).not.toMatch(/secret/);
  });
});

describe('test mode', () => {
  it('sends to the shopper when off', () => {
    expect(testModeRecipient(resolveMailSource('eu', inputs({ env: SHOP_ENV })), 'jane@example.com')).toEqual({ to: 'jane@example.com', subjectPrefix: '' });
  });

  it("redirects to the region's test address with the shopper in the subject", () => {
    const s = resolveMailSource('eu', inputs({ eu: { ...EU_SERVER, smtpTestMode: true, smtpTestEmail: 'qa@simfab.eu' } }));
    expect(testModeRecipient(s, 'jane@example.com')).toEqual({ to: 'qa@simfab.eu', subjectPrefix: '[TEST for jane@example.com] ' });
  });

  it('holds with a reason when there is no test address', () => {
    const r = testModeRecipient(resolveMailSource('eu', inputs({ eu: { smtpTestMode: true } })), 'jane@example.com');
    expect(r).toEqual({ hold: expect.stringMatching(/test mode.*smtp_test_mode.*no test address/) });
  });

  it("applies the region's test mode with SMTP_URL too, falling back to EMAIL_TEST_EMAIL", () => {
    const s = resolveMailSource('eu', inputs({ smtpUrl: 'smtp://relay.example', eu: { smtpTestMode: true }, env: { EMAIL_TEST_EMAIL: 'qa@shop.example' } }));
    expect(s.kind).toBe('smtp-url');
    expect(testModeRecipient(s, 'jane@example.com')).toEqual({ to: 'qa@shop.example', subjectPrefix: '[TEST for jane@example.com] ' });
  });

  it("applies EMAIL_TEST_MODE with the shop's server only", () => {
    const env = { ...SHOP_ENV, EMAIL_TEST_MODE: 'true', EMAIL_TEST_EMAIL: 'qa@shop.example' };
    expect(testModeRecipient(resolveMailSource('us', inputs({ env })), 'jane@example.com')).toMatchObject({ to: 'qa@shop.example' });
    expect(testModeRecipient(resolveMailSource('us', inputs({ env, smtpUrl: 'smtp://relay.example' })), 'jane@example.com')).toMatchObject({ to: 'jane@example.com' });
    const noCredentials = resolveMailSource('us', inputs({ env: { SMTP_HOST: 'smtp.shop.example' } }));
    expect(testModeRecipient(noCredentials, 'jane@example.com')).toEqual({ hold: expect.stringMatching(/EMAIL_TEST_MODE unset/) });
  });

  it('holds rather than using EMAIL_TEST_EMAIL when the region test address is not an address', () => {
    const s = resolveMailSource('eu', inputs({ eu: { smtpTestMode: true, smtpTestEmail: 'qa at simfab' }, env: { EMAIL_TEST_EMAIL: 'qa@shop.example' } }));
    expect(testModeRecipient(s, 'jane@example.com')).toHaveProperty('hold');
  });
});

describe('region_settings in PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const set = (r: Region, key: string, value: string) =>
    db.pool.query(
      `INSERT INTO region_settings (region, setting_key, setting_value) VALUES ($1, $2, $3)
       ON CONFLICT (region, setting_key) DO UPDATE SET setting_value = EXCLUDED.setting_value`,
      [r, key, value],
    );

  it('reads no settings, and no error, when the table is missing', async () => {
    expect((await readRegionMailSettings(db.pool)).size).toBe(0);
  });

  it("reads both regions' mail keys as the shop stores them", async () => {
    await db.pool.query(`CREATE TABLE region_settings (
      id serial PRIMARY KEY, region varchar(2) NOT NULL, setting_key varchar(100) NOT NULL, setting_value text,
      setting_type varchar(50) DEFAULT 'string', UNIQUE (region, setting_key))`);
    for (const [r, name, currency] of [['us', 'SimFab', 'USD'], ['eu', 'SimFab EU', 'EUR']] as const) {
      for (const [k, v] of [['smtp_host', ''], ['smtp_port', '587'], ['smtp_from_name', name], ['smtp_enabled', 'true'], ['smtp_test_mode', 'false'], ['currency', currency], ['site_name', 'SimFab']]) {
        await set(r, k, v);
      }
    }
    await set('eu', 'smtp_port', 'abc');
    await set('eu', 'smtp_test_mode', '1');
    const settings = await readRegionMailSettings(db.pool);
    expect(settings.get('us')).toMatchObject({ smtpHost: null, smtpPort: 587, smtpFromName: 'SimFab', smtpEnabled: true, smtpTestMode: false, currency: 'USD' });
    expect(settings.get('eu')).toMatchObject({ smtpPort: null, smtpTestMode: true, currency: 'EUR', problems: [expect.stringMatching(/smtp_port/)] });
  });

  it('sees a change in the shop admin only after refreshMs, reading both regions in one shared query', async () => {
    await set('eu', 'smtp_test_mode', 'false');
    const clock = new FakeClock();
    let queries = 0;
    const counting: Db = { query: (text, values) => (queries++, db.pool.query(text, values)) };
    const sources = new MailSources({ db: counting, clock, shopEnv: parseShopMailEnv({}), mailFrom: MAIL_FROM, production: false, refreshMs: 60_000, logger: silentLogger() });
    const [us, eu] = await Promise.all([sources.forRegion('us'), sources.forRegion('eu')]);
    expect(queries).toBe(1);
    expect([us.kind, eu.kind]).toEqual(['preview', 'preview']);

    await set('eu', 'smtp_host', 'mail.eu.example');
    clock.advanceMs(59_999);
    expect((await sources.forRegion('eu')).kind).toBe('preview');
    expect(queries).toBe(1);
    clock.advanceMs(1);
    expect((await sources.forRegion('eu')).kind).toBe('region-settings');
    expect(queries).toBe(2);
    expect((await sources.describeAll()).eu).toMatch(/^region_settings \(eu\): smtp:\/\/mail\.eu\.example:587/);
  });

  it('keeps the last settings and warns once when a read fails; fails the first read', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    let broken = false;
    const flaky: Db = { query: (text, values) => (broken ? Promise.reject(new Error('connection lost')) : db.pool.query(text, values)) };
    const opts = { db: flaky, clock, shopEnv: parseShopMailEnv({}), mailFrom: MAIL_FROM, production: false, logger };
    const sources = new MailSources(opts);
    expect((await sources.forRegion('eu')).kind).toBe('region-settings');
    broken = true;
    for (let i = 0; i < 3; i++) {
      clock.advanceMs(60_000);
      expect((await sources.forRegion('eu')).kind).toBe('region-settings');
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('connection lost');
    await expect(new MailSources(opts).forRegion('eu')).rejects.toThrow('connection lost');
  });
});
