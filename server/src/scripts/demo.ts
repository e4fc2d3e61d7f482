/**
 * npm run demo: puts demo shoppers, products and wishlists in, starts a sale and a
 * restock with plain SQL (as the shop's admin panel would), runs both checks and names
 * the emails they wrote. Safe to run again: it replaces its own demo rows each time.
 */
import { readdirSync, statSync } from 'fs';
import path from 'path';
import { createWishlistAlerts } from '../wishlistAlerts';
import { resolveUnsubscribeSecret } from '../runtime';
import { withTransaction } from '../db/pool';
import { runScript } from './runScript';

const SHOPPERS = [
  ['ann@demo.example', 'Ann'],
  ['bob@demo.example', 'Bob'],
  ['chloe@demo.example', 'Chloe'],
] as const;

// sku, name, slug, regular price, stock
const PRODUCTS = [
  ['DEMO-WHEEL', 'Direct Drive Racing Wheel', 'direct-drive-racing-wheel', 1299, 8],
  ['DEMO-PEDALS', 'Load Cell Pedals', 'load-cell-pedals', 449, 0],
  ['DEMO-COCKPIT', 'Aluminium Cockpit', 'aluminium-cockpit', 899, 4],
  ['DEMO-SHIFTER', 'Sequential Shifter', 'sequential-shifter', 229, 0],
] as const;

// shopper, product sku
const WISHES: Array<[string, string]> = [
  ['ann@demo.example', 'DEMO-WHEEL'],
  ['ann@demo.example', 'DEMO-COCKPIT'],
  ['ann@demo.example', 'DEMO-PEDALS'],
  ['bob@demo.example', 'DEMO-WHEEL'],
  ['bob@demo.example', 'DEMO-SHIFTER'],
  ['chloe@demo.example', 'DEMO-PEDALS'],
];

runScript('Demo', async ({ config, logger, pool, mailer, databaseUrl }) => {
  const startedAt = Date.now();
  await withTransaction(pool, async (db) => {
    await db.query(`DELETE FROM users WHERE email LIKE '%@demo.example'`);
    await db.query(`DELETE FROM products WHERE sku LIKE 'DEMO-%'`);
    await db.query(
      `INSERT INTO users (email, first_name) SELECT * FROM unnest($1::text[], $2::text[])`,
      [SHOPPERS.map((s) => s[0]), SHOPPERS.map((s) => s[1])],
    );
    await db.query(
      `INSERT INTO products (sku, name, slug, regular_price, stock, in_stock)
       SELECT sku, name, slug, price, stock, stock > 0 FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::int[])
         AS p(sku, name, slug, price, stock)`,
      [0, 1, 2, 3, 4].map((i) => PRODUCTS.map((p) => p[i])),
    );
    await db.query(
      `INSERT INTO wishlists (user_id, product_id)
       SELECT u.id, p.id FROM unnest($1::text[], $2::text[]) AS w(email, sku)
         JOIN users u ON u.email = w.email JOIN products p ON p.sku = w.sku`,
      [WISHES.map((w) => w[0]), WISHES.map((w) => w[1])],
    );
  });
  console.log(`\n🛒 Demo data: ${SHOPPERS.length} shoppers, ${PRODUCTS.length} products, ${WISHES.length} wishlist items.`);

  // What the shop's admin panel and stock sync would do: plain UPDATEs.
  await pool.query(`UPDATE products SET is_on_sale = true, sale_price = regular_price * 0.8 WHERE sku IN ('DEMO-WHEEL', 'DEMO-COCKPIT')`);
  await pool.query(`UPDATE products SET stock = 12, in_stock = true WHERE sku IN ('DEMO-PEDALS', 'DEMO-SHIFTER')`);
  console.log('🏷️  Sale: Direct Drive Racing Wheel and Aluminium Cockpit are 20% off.');
  console.log('📦 Restock: Load Cell Pedals and Sequential Shifter are back in stock.\n');

  const { notifications } = createWishlistAlerts({
    pool, mailer, logger, config, unsubscribeSecret: resolveUnsubscribeSecret(config).value,
  });
  const sale = await notifications.checkSales();
  const stock = await notifications.checkStock();
  console.log(`\nSale check:  ${JSON.stringify(sale)}`);
  console.log(`Stock check: ${JSON.stringify(stock)}`);

  if (config.smtpUrl) {
    console.log(`\n📨 ${sale.emails + stock.emails} email(s) handed to ${mailer.describe()}.`);
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
  console.log(`\nThe alerts as recorded: SELECT id, kind, status, user_id, product_id, sale_price FROM wishlist_notifications ORDER BY id DESC;`);
  console.log(`(psql "${databaseUrl}" while the server runs; npm start prints the URL)`);
});
