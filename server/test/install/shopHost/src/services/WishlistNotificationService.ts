// A stand-in for the shop's own wishlist notifier: the installation stops using it.
import type { Pool } from 'pg';

export class WishlistNotificationService {
  constructor(private readonly pool: Pool) {}

  async checkSales(): Promise<{ checked: number; notified: number; errors: number }> {
    await this.pool.query('SELECT 1');
    return { checked: 0, notified: 0, errors: 0 };
  }

  async checkStock(): Promise<{ checked: number; notified: number; errors: number }> {
    await this.pool.query('SELECT 1');
    return { checked: 0, notified: 0, errors: 0 };
  }
}
