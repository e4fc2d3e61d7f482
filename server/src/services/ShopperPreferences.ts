import type { Clock } from '../clock';
import type { PreferenceKind } from '../domain';
import type { Db } from '../db/pool';
import { maskedEmail, optIn, optOut, productNameOf, shopperAlerts, ShopperAlerts, stopItemAlerts } from '../db/preferences';

/**
 * A shopper's wishlist-alert preferences, for both doors to them: the unsubscribe links in
 * the emails and the shop's account page (through the admin API).
 */
export class ShopperPreferences {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** Stops one wishlist row's alerts of one kind (kept in the module's own table, beside the shop's notify flags). */
  stopItem(wishlistId: number, kind: PreferenceKind): Promise<void> {
    return stopItemAlerts(this.deps.db, wishlistId, kind);
  }

  /** Stops every wishlist alert to a shopper; `source` says through which door. */
  stopAll(userId: number, source: 'link' | 'api'): Promise<void> {
    return optOut(this.deps.db, userId, source, this.deps.clock.now());
  }

  /** Whether a shopper gets alerts at all, after turning them on or off; null: no such shopper. */
  async setAll(userId: number, enabled: boolean): Promise<ShopperAlerts | null> {
    if (!(await shopperAlerts(this.deps.db, userId))) return null;
    if (enabled) await optIn(this.deps.db, userId);
    else await optOut(this.deps.db, userId, 'api', this.deps.clock.now());
    return shopperAlerts(this.deps.db, userId);
  }

  state(userId: number): Promise<ShopperAlerts | null> {
    return shopperAlerts(this.deps.db, userId);
  }

  /** What an unsubscribe page names: the product of a wishlist row, or the shopper's masked address. */
  productName(wishlistId: number): Promise<string | null> {
    return productNameOf(this.deps.db, wishlistId);
  }

  maskedAddress(userId: number): Promise<string | null> {
    return maskedEmail(this.deps.db, userId);
  }
}
