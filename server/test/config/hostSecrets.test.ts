import { loadConfig } from '../../src/config/config';
import { createPool } from '../../src/db/pool';
import { CronService } from '../../src/jobs/CronService';
import { silentLogger } from '../../src/logger';
import { createWishlistAlerts } from '../../src/wishlistAlerts';

/** The host path (createWishlistAlerts with its own adminToken / unsubscribeSecret) holds secrets to the config's rules. */
describe("the host's secrets", () => {
  const logger = silentLogger();
  const pool = createPool('postgres://nobody@127.0.0.1:1/none', logger); // never queried here
  afterAll(() => pool.end());

  function create(env: Record<string, string>, secrets: { adminToken?: string; unsubscribeSecret?: string }) {
    const cron = new CronService({ logger });
    try {
      return createWishlistAlerts({ pool, logger, cron, config: loadConfig(env), ...secrets });
    } finally {
      void cron.stop();
    }
  }
  const GOOD = { adminToken: 'host-admin-token-0123456789', unsubscribeSecret: 'host-unsubscribe-secret-0123456789abcdef' };
  const PRODUCTION = {
    NODE_ENV: 'production', ADMIN_API_TOKEN: 'config-admin-token-0123456789', UNSUBSCRIBE_SECRET: 'config-unsubscribe-secret-0123456789ab',
    PUBLIC_URL: 'https://alerts.shop.example', FRONTEND_URL: 'https://shop.example',
  };

  test("a token of 'a' or a secret of 'k' is refused, each named", () => {
    expect(() => create({}, { ...GOOD, adminToken: 'a' })).toThrow(
      'createWishlistAlerts needs a strong admin token and unsubscribe secret: the admin token (ADMIN_API_TOKEN, or adminToken): too short: use at least 16 characters',
    );
    expect(() => create({}, { ...GOOD, unsubscribeSecret: 'k' })).toThrow(
      'the unsubscribe secret (WISHLIST_UNSUBSCRIBE_SECRET or UNSUBSCRIBE_SECRET, or unsubscribeSecret): too short: use at least 32 random characters',
    );
    expect(() => create({}, { adminToken: 'two words token 0123', unsubscribeSecret: '' })).toThrow(
      /admin token .*: contains whitespace .*; the unsubscribe secret .*: missing/,
    );
  });

  test('in production, 32 identical characters are refused as the config refuses them; a strong pair is taken', () => {
    expect(() => create(PRODUCTION, { ...GOOD, unsubscribeSecret: 'k'.repeat(32) })).toThrow(
      'the unsubscribe secret (WISHLIST_UNSUBSCRIBE_SECRET or UNSUBSCRIBE_SECRET, or unsubscribeSecret): too guessable: use at least 10 different characters in production',
    );
    expect(() => create(PRODUCTION, { ...GOOD, adminToken: 'a'.repeat(40) })).toThrow('too guessable');
    expect(() => create(PRODUCTION, GOOD).close()).not.toThrow();
    expect(() => create(PRODUCTION, {}).close()).not.toThrow(); // the config's own pair
  });
});
