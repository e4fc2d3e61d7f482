/**
 * npm run demo: puts demo shoppers, products and wishlists in, starts a sale and a
 * restock with plain SQL (as the shop's admin panel would), runs both checks and names
 * the emails they wrote. Safe to run again: it replaces its own demo rows each time.
 */
import { readdirSync, statSync } from 'fs';
import path from 'path';
import { withTransaction } from '../db/pool';
import { runScript } from './runScript';

const SHOPPERS = [
  ['ann@demo.example', 'Ann'],
  ['bob@demo.example', 'Bob'],
  ['chloe@demo.example', 'Chloe'],
] as const;

// sku, name, slug, region, regular price (in the region's currency), stock
const PRODUCTS = [
  ['DEMO-WHEEL', 'Direct Drive Racing Wheel', 'direct-drive-racing-wheel', 'us', 1299, 8],
  ['DEMO-PEDALS', 'Load Cell Pedals', 'load-cell-pedals', 'us', 449, 0],
  ['DEMO-COCKPIT', 'Aluminium Cockpit', 'aluminium-cockpit', 'us', 899, 4],
  ['DEMO-SHIFTER', 'Sequential Shifter', 'sequential-shifter', 'us', 229, 0],
  ['DEMO-COCKPIT', 'Aluminium Cockpit', 'aluminium-cockpit', 'eu', 949, 3],
] as const;

// shopper, product sku, region
const WISHES: Array<[string, string, string]> = [
  ['ann@demo.example', 'DEMO-WHEEL', 'us'],
  ['ann@demo.example', 'DEMO-COCKPIT', 'us'],
  ['ann@demo.example', 'DEMO-PEDALS', 'us'],
  ['bob@demo.example', 'DEMO-WHEEL', 'us'],
  ['bob@demo.example', 'DEMO-SHIFTER', 'us'],
  ['chloe@demo.example', 'DEMO-PEDALS', 'us'],
  ['chloe@demo.example', 'DEMO-COCKPIT', 'eu'],
];

runScript('Demo', async ({ config, pool, alerts, databaseUrl }) => {
  const startedAt = Date.now();
  await withTransaction(pool, async (db) => {
    await db.query(`DELETE FROM users WHERE email LIKE '%@demo.example'`);
    await db.query(`DELETE FROM products WHERE sku LIKE 'DEMO-%'`);
    // The shop's shape: a password hash is required; stock flags are text; prices are real.
    await db.query(
      `INSERT INTO users (email, password, first_name) SELECT email, '!demo-no-login', name FROM unnest($1::text[], $2::text[]) AS u(email, name)`,
      [SHOPPERS.map((s) => s[0]), SHOPPERS.map((s) => s[1])],
    );
    await db.query(
      `INSERT INTO products (sku, name, slug, region, regular_price, stock, in_stock, status, backorders_allowed)
       SELECT sku, name, slug, region, price, stock, CASE WHEN stock > 0 THEN '1' ELSE '0' END, 'active', 'no'
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::real[], $6::int[]) AS p(sku, name, slug, region, price, stock)`,
      [0, 1, 2, 3, 4, 5].map((i) => PRODUCTS.map((p) => p[i])),
    );
    await db.query(
      `INSERT INTO wishlists (user_id, product_id)
       SELECT u.id, p.id FROM unnest($1::text[], $2::text[], $3::text[]) AS w(email, sku, region)
         JOIN users u ON u.email = w.email JOIN products p ON p.sku = w.sku AND p.region = w.region`,
      [WISHES.map((w) => w[0]), WISHES.map((w) => w[1]), WISHES.map((w) => w[2])],
    );
  });
  console.log(`\n🛒 Demo data: ${SHOPPERS.length} shoppers, ${PRODUCTS.length} products (one in the EU store), ${WISHES.length} wishlist items.`);
  // A sale is announced once it has been live for WISHLIST_SALE_SETTLE_SECONDS; the demo
  // does not wait for that.
  const { notifications, mail } = alerts({ saleSettleSeconds: 0 });
  // The module looks at new products as they appear (its watch, within seconds): it has to
  // have seen them out of stock to tell a restock.
  await notifications.observe();

  // What the shop's admin panel and stock sync would do: plain UPDATEs.
  await pool.query(`UPDATE products SET is_on_sale = true, sale_price = regular_price * 0.8 WHERE sku IN ('DEMO-WHEEL', 'DEMO-COCKPIT')`);
  await pool.query(`UPDATE products SET stock = 12, in_stock = '1' WHERE sku IN ('DEMO-PEDALS', 'DEMO-SHIFTER')`);
  console.log('🏷️  Sale: Direct Drive Racing Wheel and Aluminium Cockpit (in both stores) are 20% off.');
  console.log('📦 Restock: Load Cell Pedals and Sequential Shifter are back in stock.\n');

  const sale = await notifications.checkSales();
  const stock = await notifications.checkStock();
  console.log(`\nSale check:  ${JSON.stringify(sale)}`);
  console.log(`Stock check: ${JSON.stringify(stock)}`);

  if (config.smtpUrl) {
    console.log(`\n📨 ${sale.emails + stock.emails} email(s) handed to ${(await mail.describe()).us}.`);
  } else {
    const outbox = path.resolve(config.dataDir, 'outbox');
    const written = readdirSync(outbox)
      .map((f) => path.join(outbox, f))
      .filter((f) => f.endsWith('.eml') && statSync(f).mtimeMs >= startedAt);
    console.log(`\n📬 ${written.length} email(s) written (open them in any mail client):`);
    for (const f of written) console.log(`   ${path.relative(process.cwd(), f)}`);
  }
  console.log(`\nThese alerts are listed in the admin console (Recent notifications): npm start, then open ${config.publicUrl}/admin/wishlist-jobs`);
  console.log(`(the emails' unsubscribe links point there too; npm run mail:preview shows the templates).`);
  console.log(`\nThe alerts as recorded: SELECT id, kind, status, user_id, product_id, sale_price FROM wishlist_alert_items ORDER BY id DESC;\n(the shop's own logs: SELECT * FROM email_logs ORDER BY id DESC; SELECT * FROM wishlist_notifications ORDER BY id DESC;)`);
  console.log(`(psql "${databaseUrl}" while the server runs; npm start prints the URL)`);
});
