import { createHash } from 'crypto';
import type { AlertKind, Region } from '../../domain';
import type { OutboxItem } from '../../db/outbox/loadItems';
import type { ShopLogEntry } from '../../db/outbox/record';
import type { ShopTemplate } from '../../db/shopTemplates';
import { TEMPLATE_TYPES } from '../../db/shopTemplates';
import type { OutgoingMail } from '../../mail/mailer';
import type { AlertEmailInput, RenderedEmail } from '../../mail/render';

/** One email to write: a shopper's claimed messages (one region) with the items still worth announcing. */
export interface Ready {
  ids: string[];
  userId: number;
  region: Region;
  attempts: number;
  held: boolean;
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

/** The alert kind whose template names a mixed email (a digest): sales come first in it. */
const leadKind = (items: OutboxItem[]): AlertKind => (items.some((i) => i.kind === 'sale') ? 'sale' : 'stock');

/**
 * The email for a Ready, and what the shop's logs will say of it. The Message-ID is derived
 * from the items: a resend of the same items after a crash carries the same one, so a mail
 * server or client can tell it is the same email.
 */
export function composeEmail(m: Ready, envelope: Envelope, ctx: ComposeContext): { mail: OutgoingMail; log: ShopLogEntry } {
  const kind = leadKind(m.items);
  const template = ctx.templates[kind];
  const rendered = ctx.render({
    userId: m.userId,
    firstName: m.items[0].firstName,
    digest: m.held,
    region: m.region,
    currency: ctx.currency[m.region],
    header: { image: template.headerImage, title: template.headerTitle },
    items: m.items.map((i) => ({
      kind: i.kind,
      wishlistId: i.wishlistId ?? 0,
      productId: i.productId ?? 0,
      name: i.name ?? '',
      slug: i.slug,
      regularPrice: i.regularPrice ?? '0',
      salePrice: i.salePrice,
      saleEndsAt: i.saleEndsAt,
      imageUrl: i.imageUrl,
    })),
  });
  const key = createHash('sha256').update(m.items.map((i) => i.notificationId).join(',')).digest('base64url').slice(0, 22);
  const domain = new URL(ctx.storefronts[m.region]).hostname || 'localhost';
  const messageId = `<wishlist-alert.${key}@${domain}>`;
  const shopper = m.to ?? m.items[0].email ?? '';
  const to = envelope.testRecipient ?? shopper;
  const subject = envelope.testRecipient ? `[TEST for ${shopper}] ${rendered.subject}` : rendered.subject;
  return {
    mail: { from: envelope.from, to, subject, html: rendered.html, text: rendered.text, headers: rendered.headers, messageId },
    log: {
      templateType: TEMPLATE_TYPES[kind],
      recipient: to,
      recipientName: m.items[0].firstName,
      subject,
      metadata: {
        messageId,
        region: m.region,
        currency: ctx.currency[m.region],
        items: m.items.map((i) => ({
          kind: i.kind, wishlistId: i.wishlistId, productId: i.productId, name: i.name,
          regularPrice: i.regularPrice, salePrice: i.kind === 'sale' ? i.salePrice : null, stock: i.kind === 'stock' ? i.stock : null,
        })),
      },
    },
  };
}
