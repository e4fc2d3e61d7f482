import { ConfigError, loadConfig } from '../../src/config/config';
import { addToWishlist, insertProduct, insertUser, startSale, updateProduct } from '../support/factories';
import { startStack } from '../support/stack';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('every number has a maximum; schedules fire at most once a minute unless allowed', () => {
  test('absurd values are refused, every bad variable named in one error', () => {
    expect(problemsOf({
      WISHLIST_MAX_EMAILS_PER_DAY: '1e20',
      WISHLIST_STOCK_NOTIFY_PER_UNIT: '1e20',
      WISHLIST_STOCK_COOLDOWN_HOURS: '1e308',
      SHUTDOWN_TIMEOUT_MS: '1e12',
      WISHLIST_SALE_CHECK_SCHEDULE: '* * * * * *',
      WISHLIST_STOCK_CHECK_SCHEDULE: '*/10 * * * * *',
    })).toEqual([
      'SHUTDOWN_TIMEOUT_MS="1e12": expected a whole number from 0 to 3600000',
      'WISHLIST_SALE_CHECK_SCHEDULE="* * * * * *": fires more than once a minute (six fields, the first being seconds): use five fields, or set WISHLIST_ALLOW_SUBMINUTE_SCHEDULES=true',
      'WISHLIST_STOCK_CHECK_SCHEDULE="*/10 * * * * *": fires more than once a minute (six fields, the first being seconds): use five fields, or set WISHLIST_ALLOW_SUBMINUTE_SCHEDULES=true',
      'WISHLIST_STOCK_COOLDOWN_HOURS="1e308": expected a number from 0 to 8760',
      'WISHLIST_STOCK_NOTIFY_PER_UNIT="1e20": expected a whole number from 0 to 10000',
      'WISHLIST_MAX_EMAILS_PER_DAY="1e20": expected a whole number from 0 to 1000',
    ]);
  });

  test('a six-field schedule firing at most once a minute is fine; more often only with WISHLIST_ALLOW_SUBMINUTE_SCHEDULES=true', () => {
    expect(loadConfig({ WISHLIST_SALE_CHECK_SCHEDULE: '30 */5 * * * *' }).jobs['wishlist-sale-check'].schedule).toBe('30 */5 * * * *');
    const allowed = loadConfig({ WISHLIST_SALE_CHECK_SCHEDULE: '*/15 * * * * *', WISHLIST_ALLOW_SUBMINUTE_SCHEDULES: 'true' });
    expect(allowed.jobs['wishlist-sale-check'].schedule).toBe('*/15 * * * * *');
    expect(problemsOf({ WISHLIST_SALE_CHECK_SCHEDULE: '0,30 * * * * *' })).toHaveLength(1);
  });

  test('the largest value of each setting runs both checks without an error (nothing overflows)', async () => {
    const s = await startStack({
      WISHLIST_MAX_EMAILS_PER_DAY: '1000', WISHLIST_STOCK_NOTIFY_PER_UNIT: '10000', WISHLIST_STOCK_COOLDOWN_HOURS: '8760',
      WISHLIST_SALE_MIN_DROP_PERCENT: '99', WISHLIST_LEASE_SECONDS: '86400', WISHLIST_RETRY_BASE_SECONDS: '86400',
      WISHLIST_SALE_SETTLE_SECONDS: '86400', WISHLIST_STOCK_SETTLE_SECONDS: '0', WISHLIST_MAIL_MAX_ATTEMPTS: '100',
    });
    try {
      const user = await insertUser(s.db.pool);
      const restocked = await insertProduct(s.db.pool, { stock: 0 });
      const sale = await insertProduct(s.db.pool, { regularPrice: 200 });
      for (const p of [restocked, sale]) await addToWishlist(s.db.pool, user.id, p);
      await updateProduct(s.db.pool, restocked, { stock: 2_147_483_647, inStock: '1' });
      await startSale(s.db.pool, sale, 1);
      expect(await s.check('stock')).toEqual({ checked: 2, notified: 1, emails: 1, errors: 0 });
      expect(await s.check('sale')).toMatchObject({ errors: 0 }); // settling for a day: nothing yet
      expect(await s.alerts.watch.lookOnce()).toMatchObject({ emails: 0 });
    } finally {
      await s.close();
    }
  });
});
