import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { Request } from 'express';

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * The CSRF tokens of browser sign-ins (the console's token sign-in, the host's sessions): a
 * MAC over the sign-in's key, so a token works only with the sign-in it was made for. The
 * MAC key is derived from the module's secret for this use alone.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('wishlist-alerts/csrf').digest();
  }

  tokenFor(sessionKey: string): string {
    return createHmac('sha256', this.key).update(sessionKey).digest('base64url');
  }

  valid(sessionKey: string, token: unknown): boolean {
    return typeof token === 'string' && timingSafeEqual(sha(token), sha(this.tokenFor(sessionKey)));
  }
}

/** The token a request carries: the X-CSRF-Token header, or a form's _csrf field. */
export function csrfTokenOf(req: Request): unknown {
  return req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
}

/**
 * True when a browser says the request comes from a site the module does not trust. The
 * shop answers every origin's cross-origin requests with credentials (its CORS setup
 * reflects the Origin), so a shop session must not be usable from any other site, for
 * reading as much as for acting. A request with an Origin must come from this server's
 * own origin or a trusted one (the storefronts, PUBLIC_URL); one without (a navigation, a
 * plain same-origin GET) may read, and may act only when the browser does not say another
 * site sent it.
 */
export function foreignOrigin(req: Request, trusted: ReadonlySet<string>): boolean {
  const origin = req.get('origin');
  if (origin !== undefined) {
    let parsed: string;
    try {
      parsed = new URL(origin).origin; // 'null' (a sandboxed page, a file) is no origin at all
    } catch {
      return true;
    }
    return !(parsed === ownOrigin(req) || trusted.has(parsed));
  }
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const site = req.get('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}

/**
 * This server's origin as the browser sees it, scheme included: behind a TLS proxy the
 * scheme the browser used is X-Forwarded-Proto (which a form posted from another site
 * cannot set).
 */
function ownOrigin(req: Request): string | null {
  const scheme = req.secure ? 'https' : req.get('x-forwarded-proto')?.split(',')[0].trim() || req.protocol;
  try {
    return new URL(`${scheme}://${req.get('host')}`).origin;
  } catch {
    return null;
  }
}

/** The origins of these URLs (the storefronts, PUBLIC_URL), for foreignOrigin. */
export function originsOf(urls: string[]): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const u of urls) {
    try {
      origins.add(new URL(u).origin);
    } catch {
      // not a URL: the config refused it already
    }
  }
  return origins;
}
