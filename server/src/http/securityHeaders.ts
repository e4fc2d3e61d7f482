import type { RequestHandler } from 'express';

/**
 * Browsers must take each response as the type it declares (no sniffing a JSON error or
 * a text file into HTML). The standalone app sets it on everything; the routers a host
 * mounts without that app (health, unsubscribe) set it themselves.
 */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  next();
};
