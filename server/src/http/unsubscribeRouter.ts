import express, { ErrorRequestHandler, Request, Response, type Router } from 'express';
import { createRouter } from './router';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { isDatabaseUnavailableOrSlow } from '../db/pool';
import type { ShopperPreferences } from '../services/ShopperPreferences';
import type { Catalogue } from '../mail/catalogue';
import { html } from '../html';
import { UnsubscribeScope, verifyUnsubscribe } from '../unsubscribe/tokens';
import { shopperPage } from '../unsubscribe/pages';
import { boundedBody } from './bodyDeadline';

export interface UnsubscribeDeps {
  preferences: ShopperPreferences;
  secret: string;
  text: Catalogue;
  lang: string;
  shopName: string;
  shopUrl: string;
  logger: Logger;
}

/**
 * The links in every alert (mounted at /wishlist-alerts/unsubscribe/:token). POST
 * unsubscribes: RFC 8058 one-click from the mail client (body List-Unsubscribe=One-Click)
 * or the button on the page. GET only shows the page, because link scanners fetch every
 * URL in an email. Both are idempotent; no login, the signed token is the permission.
 */
export function createUnsubscribeRouter(deps: UnsubscribeDeps): Router {
  const { preferences, text } = deps;
  const router = createRouter();
  // On every answer, errors included: the URL holds the token, and no other site may frame the button.
  router.use((_req, res, next) => {
    res.set(PAGE_HEADERS);
    next();
  });
  const page = (res: Response, status: number, title: string, body: Parameters<typeof shopperPage>[0]['body']) => {
    res.status(status).type('html').send(shopperPage({ lang: deps.lang, shopName: deps.shopName, shopUrl: deps.shopUrl, title, body }));
  };
  const scopeOf = (req: Request, res: Response): UnsubscribeScope | null => {
    const scope = verifyUnsubscribe(deps.secret, String(req.params.token));
    if (!scope) page(res, 400, text.page.invalidTitle, html`<p>${text.page.invalidBody}</p>`);
    return scope;
  };
  const subject = async (scope: UnsubscribeScope) =>
    scope.type === 'item'
      ? (await preferences.productName(scope.wishlistId)) ?? '—'
      : (await preferences.maskedAddress(scope.userId)) ?? '—';

  router.get('/:token', async (req, res) => {
    const scope = scopeOf(req, res);
    if (!scope) return;
    const what = await subject(scope);
    const question = scope.type === 'item' ? text.page.confirmItem(scope.kind, what) : text.page.confirmAll(what);
    // An empty action posts back to this same URL, token included.
    page(res, 200, text.page.confirmTitle, html`<form method="post" action="">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p>${question}</p><button type="submit">${text.page.confirmButton}</button></form>`);
  });

  // The body (List-Unsubscribe=One-Click, as a form or multipart) is read only to bound it.
  router.post('/:token', ...boundedBody(express.raw({ type: () => true, limit: '1kb' })), async (req, res) => {
    const scope = scopeOf(req, res);
    if (!scope) return;
    if (scope.type === 'item') await preferences.stopItem(scope.wishlistId, scope.kind);
    else await preferences.stopAll(scope.userId, 'link');
    const done = scope.type === 'item' ? text.page.doneItem(scope.kind, await subject(scope)) : text.page.doneAll;
    page(res, 200, text.page.doneTitle, html`<p>${done}</p>`);
  });

  // Shoppers get a short page in the shop's language; the reason (hosts, ports) goes to the log.
  const failed: ErrorRequestHandler = (err, req, res, _next) => {
    // Already answered (a body that missed its deadline, then failed to arrive): nothing to add.
    if (res.headersSent) return;
    const status: unknown = err?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A body too large (413) keeps its status; anything else the client sent wrong reads as a bad link.
      page(res, status === 413 ? 413 : 400, text.page.invalidTitle, html`<p>${text.page.invalidBody}</p>`);
      return;
    }
    const unavailable = isDatabaseUnavailableOrSlow(err);
    // Not the path: it holds the shopper's token.
    deps.logger.error({ err, method: req.method }, `Unsubscribe page failed: ${errorMessage(err)}`);
    if (unavailable) res.set('Retry-After', '120');
    page(res, unavailable ? 503 : 500, text.page.unavailableTitle, html`<p>${text.page.unavailableBody}</p>`);
  };
  router.use(failed);
  return router;
}

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};
