import { html, SafeHtml } from '../html';

/** A small, self-contained page (no scripts, no external assets) in the shop's language. */
export function shopperPage(p: { lang: string; shopName: string; shopUrl: string; title: string; body: SafeHtml | string }): string {
  return html`<!doctype html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>${p.title} · ${p.shopName}</title>
<style>body{font-family:Arial,Helvetica,sans-serif;color:#222;background:#f5f5f5;margin:0}
main{max-width:480px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:6px}
h1{font-size:22px}button{font-size:16px;padding:10px 20px;background:#1a4fa0;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus{outline:3px solid #f0b400;outline-offset:2px}a{color:#1a4fa0}</style></head>
<body><main><p><a href="${p.shopUrl}">${p.shopName}</a></p><h1>${p.title}</h1>${p.body}</main></body></html>
`.value;
}
