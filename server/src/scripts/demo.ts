/**
 * npm run demo: puts demo shoppers, products and wishlists in, starts a sale, a price
 * drop and a restock with plain SQL (as the shop's admin panel would), runs both checks and
 * names the emails they wrote; then Ann buys the wheel she was alerted to, and the proof (the
 * console's panel) counts her order. Safe to run again: it replaces its own demo rows each time.
 */
import { readdirSync, statSync } from 'fs';
import path from 'path';
import type { Pool } from 'pg';
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
  const haveOrders = (await pool.query(`SELECT to_regclass('public.orders') IS NOT NULL AS ok`)).rows[0].ok as boolean;
  await withTransaction(pool, async (db) => {
    // Its lines go with it (ON DELETE CASCADE); an order holds on to its shopper and products.
    if (haveOrders) await db.query(`DELETE FROM orders WHERE customer_email LIKE '%@demo.example'`);
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
  const { notifications, mail, proof } = alerts({ saleSettleSeconds: 0 });
  // The module looks at new products as they appear (its watch, within seconds): it has to
  // have seen them out of stock to tell a restock.
  await notifications.observe();

  // What the shop's admin panel and stock sync would do: plain UPDATEs.
  await pool.query(`UPDATE products SET is_on_sale = true, sale_price = regular_price * 0.8 WHERE sku IN ('DEMO-WHEEL', 'DEMO-COCKPIT')`);
  await pool.query(`UPDATE products SET stock = 12, in_stock = '1' WHERE sku IN ('DEMO-PEDALS', 'DEMO-SHIFTER')`);
  await pool.query(`UPDATE products SET regular_price = 199 WHERE sku = 'DEMO-SHIFTER'`);
  console.log('🏷️  Sale: Direct Drive Racing Wheel and Aluminium Cockpit (in both stores) are 20% off.');
  console.log('📦 Restock: Load Cell Pedals and Sequential Shifter are back in stock.');
  console.log('📉 Price drop: Sequential Shifter now costs $199 instead of $229 (no sale).\n');

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
  if (haveOrders) {
    await placeOrderAfterAlert(pool);
    const [week] = (await proof.stats()).windows;
    const revenue = week.total.revenue.map((r) => `${r.currency} ${r.amount}`).join(' + ') || 'none';
    console.log(`\n🧾 Ann bought the Direct Drive Racing Wheel after her sale alert (a paid order, as the shop's checkout writes it).`);
    console.log(`📈 Proof, last 7 days: ${week.total.emailsAccepted} email(s) accepted, ${week.total.shoppersReached} shopper(s) reached, ` +
      `${week.total.orders} order(s) attributed, revenue ${revenue}: the console's "Do the alerts sell?" panel, and GET /api/admin/wishlist-jobs/stats.`);
  } else {
    console.log(`\n(No orders table in this database, made before the stand-in had one: the proof has nothing to count. A new DATA_DIR shows it.)`);
  }
  console.log(`\nThese alerts are listed in the admin console (Recent notifications): npm start, then open ${config.publicUrl}/admin/wishlist-jobs`);
  console.log(`(the emails' unsubscribe links point there too; npm run mail:preview shows the templates).`);
  console.log(`\nThe alerts as recorded: SELECT id, kind, status, user_id, product_id, sale_price FROM wishlist_alert_items ORDER BY id DESC;\n(the shop's own logs: SELECT * FROM email_logs ORDER BY id DESC; SELECT * FROM wishlist_notifications ORDER BY id DESC;)`);
  console.log(`(psql "${databaseUrl}" while the server runs; npm start prints the URL)`);
});

/** Ann's checkout: one paid order of the wheel at the price her alert showed. */
async function placeOrderAfterAlert(pool: Pool): Promise<void> {
  await withTransaction(pool, async (db) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO orders (user_id, customer_email, status, payment_status, subtotal, total_amount, currency, region, billing_address, shipping_address)
       SELECT u.id, u.email, 'processing', 'paid', p.sale_price::float8::numeric(10,2), p.sale_price::float8::numeric(10,2), 'USD', 'us', '{}', '{}'
         FROM users u, products p WHERE u.email = 'ann@demo.example' AND p.sku = 'DEMO-WHEEL' AND p.region = 'us'
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, total_price)
       SELECT $1, p.id, p.name, p.sku, 1, p.sale_price::float8::numeric(10,2), p.sale_price::float8::numeric(10,2)
         FROM products p WHERE p.sku = 'DEMO-WHEEL' AND p.region = 'us'`,
      [rows[0].id],
    );
  });
}
