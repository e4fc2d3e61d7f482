/**
 * Runs the sale check and then the stock check once against the configured database
 * (DATABASE_URL, or the embedded default) and prints both results.
 *   npx ts-node server/src/scripts/test-wishlist-jobs.ts
 */
import { createWishlistAlerts } from '../wishlistAlerts';
import { resolveUnsubscribeSecret } from '../runtime';
import { runScript } from './runScript';

runScript('Wishlist job test', async ({ config, logger, pool, mailer }) => {
  const { notifications } = createWishlistAlerts({
    pool, mailer, logger, config, unsubscribeSecret: resolveUnsubscribeSecret(config).value,
  });

  console.log('Testing sale check...');
  const saleResult = await notifications.checkSales();
  console.log('Sale result:', saleResult);

  console.log('\nTesting stock check...');
  const stockResult = await notifications.checkStock();
  console.log('Stock result:', stockResult);
});
