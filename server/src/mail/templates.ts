import { escapeHtml, Money, percentOff } from './format';

export type AlertKind = 'sale' | 'stock';

export interface AlertItem {
  name: string;
  slug: string | null;
  productId: number;
  regularPrice: string;
  salePrice: string | null;
}

export interface AlertEmailInput {
  kind: AlertKind;
  firstName: string | null;
  items: AlertItem[];
  shopName: string;
  frontendUrl: string;
  money: Money;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const HEADLINE: Record<AlertKind, string> = { sale: 'On sale', stock: 'Back in stock' };

function productUrl(frontendUrl: string, item: AlertItem): string {
  return `${frontendUrl}/product/${encodeURIComponent(item.slug ?? String(item.productId))}`;
}

export function subjectFor(kind: AlertKind, items: AlertItem[]): string {
  const first = items[0].name;
  const more = items.length - 1;
  const tail = more === 0 ? '' : ` and ${more} more`;
  return `${HEADLINE[kind]}: ${first}${tail} from your wishlist`;
}

function priceLine(item: AlertItem, money: Money): string {
  if (item.salePrice === null) return '';
  return `${money.format(item.salePrice)} (was ${money.format(item.regularPrice)}, ${percentOff(item.regularPrice, item.salePrice)}% off)`;
}

/** Renders one alert message listing every due item of one kind for one shopper. */
export function renderAlertEmail(input: AlertEmailInput): RenderedEmail {
  const { kind, items, money, frontendUrl, shopName } = input;
  const greeting = input.firstName ? `Hi ${input.firstName},` : 'Hi,';
  const intro =
    kind === 'sale'
      ? items.length === 1 ? 'An item on your wishlist just went on sale:' : 'Items on your wishlist just went on sale:'
      : items.length === 1 ? 'An item on your wishlist is back in stock:' : 'Items on your wishlist are back in stock:';
  const manageUrl = `${frontendUrl}/account/wishlist`;

  const textItems = items.map((item) => {
    const detail = kind === 'sale' ? `  ${priceLine(item, money)}\n` : '  Back in stock now.\n';
    return `- ${item.name}\n${detail}  ${productUrl(frontendUrl, item)}`;
  });
  const text = [
    greeting,
    '',
    intro,
    '',
    textItems.join('\n\n'),
    '',
    `— ${shopName}`,
    '',
    `You get this email because these items are on your wishlist. Unsubscribe or change alerts: ${manageUrl}`,
    '',
  ].join('\n');

  const htmlItems = items
    .map((item) => {
      const url = escapeHtml(productUrl(frontendUrl, item));
      const detail =
        kind === 'sale' && item.salePrice !== null
          ? `<span style="color:#b00020;font-weight:bold">${escapeHtml(money.format(item.salePrice))}</span>
             <span style="text-decoration:line-through;color:#666">${escapeHtml(money.format(item.regularPrice))}</span>
             <span style="color:#b00020">${percentOff(item.regularPrice, item.salePrice)}% off</span>`
          : '<span style="color:#1b5e20;font-weight:bold">Back in stock</span>';
      return `<tr><td style="padding:12px 0;border-bottom:1px solid #eee">
        <a href="${url}" style="color:#1a4fa0;font-size:16px;font-weight:bold">${escapeHtml(item.name)}</a><br>${detail}</td></tr>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subjectFor(kind, items))}</title></head>
<body style="margin:0;padding:0;background:#f5f5f5;font-family:Arial,Helvetica,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#fff">
<tr><td style="padding:16px 24px;background:#1a4fa0;color:#fff;font-size:20px;font-weight:bold">
  <a href="${escapeHtml(frontendUrl)}" style="color:#fff;text-decoration:none">${escapeHtml(shopName)}</a></td></tr>
<tr><td style="padding:24px">
  <p style="margin:0 0 12px">${escapeHtml(greeting)}</p>
  <p style="margin:0 0 12px">${escapeHtml(intro)}</p>
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0">${htmlItems}</table>
</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#666">
  You get this email because these items are on your ${escapeHtml(shopName)} wishlist.
  <a href="${escapeHtml(manageUrl)}" style="color:#666">Unsubscribe or change alerts</a>.
</td></tr>
</table></body></html>`;

  return { subject: subjectFor(kind, items), html, text };
}
