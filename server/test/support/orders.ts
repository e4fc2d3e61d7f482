import type { Db } from '../../src/db/pool';

export interface OrderFields {
  /** NULL: a guest checkout, known only by customerEmail. */
  userId: number | null;
  customerEmail: string;
  /** Written as a Node Date, so it lands in the Node process's zone (the stack's SHOP_TIMEZONE). */
  createdAt: Date;
  paymentStatus?: string;
  status?: string;
  currency?: string;
  region?: 'us' | 'eu';
  items: Array<{ productId: number; quantity?: number; totalPrice: string }>;
}

/** An order and its lines as the shop's checkout writes them (plain SQL, the shop's shape). */
export async function insertOrder(db: Db, o: OrderFields): Promise<number> {
  const total = o.items.reduce((sum, i) => sum + Number(i.totalPrice), 0).toFixed(2);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO orders (user_id, customer_email, status, payment_status, subtotal, total_amount, currency, region,
                         billing_address, shipping_address, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, '{}', '{}', $8, $8) RETURNING id`,
    [o.userId, o.customerEmail, o.status ?? 'processing', o.paymentStatus ?? 'paid', total, o.currency ?? 'USD', o.region ?? 'us', o.createdAt],
  );
  const orderId = rows[0].id;
  for (const i of o.items) {
    const quantity = i.quantity ?? 1;
    await db.query(
      `INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, total_price, created_at)
       SELECT $1, p.id, p.name, p.sku, $3::int, $4::numeric / $3::int, $4::numeric, $5 FROM products p WHERE p.id = $2`,
      [orderId, i.productId, quantity, i.totalPrice, o.createdAt],
    );
  }
  return orderId;
}
