import type { RequestHandler } from 'express';

/** How long every route of the module that reads a body waits for it. */
export const BODY_DEADLINE_MS = 10_000;

/**
 * A request body must arrive within `ms`: a client that sends its headers and then trickles
 * (or withholds) the body cannot hold a request open. It is answered 408 and its
 * connection closed; a request already answered without its whole body (one its route
 * does not read) has its connection closed then.
 */
export function bodyDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const hasBody = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) > 0 : req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.readableEnded) return next();
    const timer = setTimeout(() => {
      if (req.readableEnded) return;
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      res.status(408).set('Connection', 'close').json({ success: false, error: `The request body did not arrive within ${ms / 1000} s` });
      res.once('finish', () => req.socket.destroy());
    }, ms);
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
    next();
  };
}

/**
 * For every route that reads a body: it must arrive within BODY_DEADLINE_MS (else 408) and
 * `parser` enforces its size limit (else 413), so no client holds a request open or makes
 * the server buffer much.
 */
export function boundedBody(parser: RequestHandler): RequestHandler[] {
  return [bodyDeadline(BODY_DEADLINE_MS), parser];
}
