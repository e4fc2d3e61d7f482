import { html, SafeHtml } from '../../html';
import type { AlertView, ItemView, SectionView } from './view';

// Inline styles and tables only: what Gmail, Outlook and Apple Mail all render.
const LINK = 'color:#1a4fa0';
const SMALL_LINK = 'color:#666;font-size:12px';

function item(i: ItemView, viewLabel: string): SafeHtml {
  const detail = i.sale
    ? html`<span style="color:#b00020;font-weight:bold;font-size:16px">${i.sale.price}</span>
        <span style="text-decoration:line-through;color:#666">${i.sale.was}</span>
        <span style="color:#b00020">${i.sale.percentOff}</span>`
    : html`<span style="color:#1b5e20;font-weight:bold">${i.status}</span>`;
  const image = i.imageUrl
    ? html`<td width="96" style="padding:12px 12px 12px 0;border-bottom:1px solid #eee;vertical-align:top">
  <a href="${i.url}"><img src="${i.imageUrl}" alt="" width="84" style="display:block;width:84px;max-width:84px;height:auto;border:0"></a></td>`
    : '';
  return html`<tr>${image}<td style="padding:12px 0;border-bottom:1px solid #eee;vertical-align:top">
  <a href="${i.url}" style="${LINK};font-size:16px;font-weight:bold">${i.name}</a><br>
  ${detail}${i.endsLine ? html`<br><span style="color:#666;font-size:13px">${i.endsLine}</span>` : ''}<br>
  <a href="${i.url}" style="${LINK};font-size:14px">${viewLabel}</a>
  &nbsp;·&nbsp;<a href="${i.stopUrl}" style="${SMALL_LINK}">${i.stopLabel}</a>
</td></tr>`;
}

function section(s: SectionView, viewLabel: string): SafeHtml {
  return html`${s.heading ? html`<h2 style="margin:20px 0 4px;font-size:17px;color:#222">${s.heading}</h2>` : ''}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0">${s.items.map((i) => item(i, viewLabel))}</table>`;
}

/** The HTML part of an alert or digest email. */
export function alertHtml(v: AlertView): string {
  return html`<!doctype html>
<html lang="${v.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${v.subject}</title></head>
<body style="margin:0;padding:0;background:#f5f5f5;font-family:Arial,Helvetica,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#fff">
<tr><td style="padding:16px 24px;background:#1a4fa0;font-size:20px;font-weight:bold">
  <a href="${v.shopUrl}" style="color:#fff;text-decoration:none">${v.logoUrl
    ? html`<img src="${v.logoUrl}" alt="${v.shopName}" height="32" style="display:inline-block;height:32px;border:0;vertical-align:middle;background:#fff;padding:4px;border-radius:3px"> `
    : ''}${v.shopName}</a></td></tr>
<tr><td style="padding:24px">
  <p style="margin:0 0 12px">${v.greeting}</p>
  <p style="margin:0 0 12px">${v.intro}</p>
  ${v.note ? html`<p style="margin:0 0 12px;color:#666;font-size:13px">${v.note}</p>` : ''}
  ${v.sections.map((s) => section(s, v.viewLabel))}
</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#666;border-top:1px solid #eee">
  ${v.footer}<br>
  <a href="${v.manageUrl}" style="${SMALL_LINK}">${v.manageLabel}</a>
  &nbsp;·&nbsp;<a href="${v.stopAllUrl}" style="${SMALL_LINK}">${v.stopAllLabel}</a><br>
  <a href="${v.shopUrl}" style="${SMALL_LINK}">${v.shopName}</a>
</td></tr>
</table></body></html>
`.value;
}
