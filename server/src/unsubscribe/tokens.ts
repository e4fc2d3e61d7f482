import { createHmac, timingSafeEqual } from 'crypto';
import type { PreferenceKind } from '../domain';

/** What an unsubscribe link stops: one wishlist item's alerts of one kind (a price drop's: its sale alerts), or all of a shopper's alerts. */
export type UnsubscribeScope =
  | { type: 'item'; wishlistId: number; kind: PreferenceKind }
  | { type: 'all'; userId: number };

// Versioned, so a later format can be told apart from this one while old emails are still read.
const DOMAIN = 'wishlist-alerts/unsubscribe/v1';

/**
 * The key that signs the links: derived from the configured secret for this use alone
 * (an HMAC over a fixed label). The shop signs its newsletter links with the raw
 * UNSUBSCRIBE_SECRET, which the module may share: no MAC of the module's is then ever
 * made with the key the shop's tokens use, whatever either format becomes.
 */
const keys = new Map<string, Buffer>();
function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = createHmac('sha256', secret).update('wishlist-alerts/unsubscribe-key').digest();
    keys.set(secret, key);
  }
  return key;
}

function payloadOf(scope: UnsubscribeScope): string {
  return scope.type === 'item' ? `i.${scope.wishlistId}.${scope.kind}` : `a.${scope.userId}`;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', keyOf(secret)).update(`${DOMAIN}:${payload}`).digest();
}

/**
 * Signs a scope into a URL-safe token: `<payload>.<HMAC-SHA256, base64url>`. It never
 * expires: an unsubscribe link must keep working for as long as the email is kept.
 */
export function signUnsubscribe(secret: string, scope: UnsubscribeScope): string {
  const payload = payloadOf(scope);
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

const PAYLOAD = /^(?:i\.([1-9]\d{0,9})\.(sale|stock)|a\.([1-9]\d{0,9}))$/;

/** The scope a token grants, or null when it is forged, truncated or altered. */
export function verifyUnsubscribe(secret: string, token: string): UnsubscribeScope | null {
  const cut = token.lastIndexOf('.');
  if (cut <= 0) return null;
  const payload = token.slice(0, cut);
  const given = Buffer.from(token.slice(cut + 1), 'base64url');
  const expected = mac(secret, payload);
  // Also compare the re-encoding, so a signature with extra or altered padding bits is refused.
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString('base64url') !== token.slice(cut + 1)) {
    return null;
  }
  const m = PAYLOAD.exec(payload);
  if (!m) return null;
  const id = Number(m[1] ?? m[3]);
  if (id > 2_147_483_647) return null;
  return m[1] ? { type: 'item', wishlistId: id, kind: m[2] as PreferenceKind } : { type: 'all', userId: id };
}
