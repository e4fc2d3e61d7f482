import { createHash } from 'crypto';
import { ALERT_KINDS, AlertKind, Region } from '../../domain';
import type { OutboxItem } from '../../db/outbox/loadItems';
import type { ShopLogEntry } from '../../db/outbox/record';
import type { ShopTemplate } from '../../db/shopTemplates';
import type { OutgoingMail } from '../../mail/mailer';
import { AlertEmailInput, AlertItem, oneLine, RenderedEmail, UnshowableItems } from '../../mail/render';

/** One email to write: a shopper's claimed messages (one region) with the items still worth announcing. */
export interface Ready {
  ids: string[];
  userId: number;
  region: Region;
  attempts: number;
  held: boolean;
  /** Its attempts ran out while one was under way: failed for good, not sent (ClaimedMessage.spent). */
  spent: boolean;
  /** The shopper's address, checked (null: not one valid address). */
  to: string | null;
  items: OutboxItem[];
}

/** Where a region's emails go and who sends them. */
export interface Envelope {
  from: string;
  /** Test mode: the address every email goes to instead of the shopper's. */
  testRecipient: string | null;
}

export interface ComposeContext {
  render: (input: AlertEmailInput) => RenderedEmail;
  templates: Record<AlertKind, ShopTemplate>;
  currency: Record<Region, string>;
  storefronts: Record<Region, string>;
}

/** The alert kind whose template heads and names a mixed email (a digest): the first in ALERT_KINDS's order. */
const leadKind = (items: OutboxItem[]): AlertKind => ALERT_KINDS.find((k) => items.some((i) => i.kind === k)) ?? 'stock';

/** An item left out of its email because it cannot be shown, with why. */
export interface Unshown {
  item: OutboxItem;
  reason: string;
}

/** The email, what the shop's logs will say of it, and the items left out (null mail: every item was). */
export type Composed = { mail: OutgoingMail; log: ShopLogEntry; unshown: Unshown[] } | { mail: null; log: null; unshown: Unshown[] };

/**
 * The email for a Ready, and what the shop's logs will say of it. The Message-ID is derived
 * from the items: a resend of the same items after a crash carries the same one, so a mail
 * server or client can tell it is the same email. An item the renderer cannot show is left
 * out (and returned with the reason); the rest still go. Any other error of rendering is
 * the email's, and is thrown.
 */
export function composeEmail(m: Ready, envelope: Envelope, ctx: ComposeContext): Composed {
  const unshown: Unshown[] = [];
  let items = m.items;
  for (;;) {
    if (items.length === 0) return { mail: null, log: null, unshown };
    const inputs = new Map(items.map((i) => [alertItem(i), i]));
    let rendered: RenderedEmail;
    try {
      rendered = render({ ...m, items }, [...inputs.keys()], ctx);
    } catch (err) {
      if (!(err instanceof UnshowableItems)) throw err;
      const left = new Set(err.items.map((u) => inputs.get(u.item)));
      unshown.push(...err.items.map((u) => ({ item: inputs.get(u.item)!, reason: `cannot be shown: ${u.reason}` })));
      items = items.filter((i) => !left.has(i));
      continue;
    }
    const shown = { ...m, items };
    const messageId = messageIdFor(shown, ctx);
    const log = shopLogFor(shown, envelope, ctx, { subject: rendered.subject, messageId });
    return {
      mail: { from: envelope.from, to: log.recipient, subject: log.subject, html: rendered.html, text: rendered.text, headers: rendered.headers, messageId },
      log,
      unshown,
    };
  }
}

/** The same items make the same Message-ID. */
export function messageIdFor(m: Pick<Ready, 'items' | 'region'>, ctx: Pick<ComposeContext, 'storefronts'>): string {
  const key = createHash('sha256').update(m.items.map((i) => i.notificationId).join(',')).digest('base64url').slice(0, 22);
  const domain = new URL(ctx.storefronts[m.region]).hostname || 'localhost';
  return `<wishlist-alert.${key}@${domain}>`;
}

function alertItem(i: OutboxItem): AlertItem {
  return {
    kind: i.kind,
    wishlistId: i.wishlistId ?? 0,
    productId: i.productId ?? 0,
    name: i.name,
    slug: i.slug,
    regularPrice: i.regularPrice,
    salePrice: i.salePrice,
    previousPrice: i.previousPrice,
    saleEndsAt: i.saleEndsAt,
    imageUrl: i.imageUrl,
  };
}

function render(m: Ready, items: AlertItem[], ctx: ComposeContext): RenderedEmail {
  const template = ctx.templates[leadKind(m.items)];
  return ctx.render({
    userId: m.userId,
    firstName: m.items[0].firstName,
    digest: m.held,
    region: m.region,
    currency: ctx.currency[m.region],
    header: { image: template.headerImage, title: template.headerTitle },
    items,
  });
}

/**
 * What the shop's logs say of an email: also of one that could not be composed (its
 * subject then empty, as the shop logs a send whose template is missing). It is named by
 * the template row that governs its lead kind (a price drop's is the sale row until the
 * shop adds one of its own). The shopper's
 * address as stored may be no address at all (a list, line breaks): it is written on one
 * line, cut to the column's size.
 */
export function shopLogFor(
  m: Ready, envelope: Envelope, ctx: Pick<ComposeContext, 'currency' | 'templates'>, email: { subject: string; messageId: string },
): ShopLogEntry {
  const kind = leadKind(m.items);
  const shopper = m.to ?? oneLine(m.items[0]?.email).slice(0, 255);
  const to = envelope.testRecipient ?? shopper;
  const subject = envelope.testRecipient ? `[TEST for ${shopper}] ${email.subject}` : email.subject;
  return {
    templateType: ctx.templates[kind].type,
    recipient: to,
    recipientName: m.items[0]?.firstName ?? null,
    subject,
    metadata: {
      messageId: email.messageId,
      region: m.region,
      currency: ctx.currency[m.region],
      items: m.items.map((i) => ({
        kind: i.kind, wishlistId: i.wishlistId, productId: i.productId, name: i.name,
        regularPrice: i.regularPrice, salePrice: i.kind === 'sale' ? i.salePrice : null, stock: i.kind === 'stock' ? i.stock : null,
        ...(i.kind === 'price_drop' ? { previousPrice: i.previousPrice } : {}),
      })),
    },
  };
}
