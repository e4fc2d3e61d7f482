/**
 * A script (the design's test-wishlist-jobs): runs the sale check and then the stock check
 * once against the configured database (DATABASE_URL, or the embedded default) and prints
 * both results.
 *   npx ts-node server/src/scripts/test-wishlist-jobs.ts
 */
import { runScript } from './runScript';

runScript('Wishlist job test', async ({ alerts }) => {
  const { notifications } = alerts();

  console.log('Testing sale check...');
  const saleResult = await notifications.checkSales();
  console.log('Sale result:', saleResult);

  console.log('\nTesting stock check...');
  const stockResult = await notifications.checkStock();
  console.log('Stock result:', stockResult);
});
