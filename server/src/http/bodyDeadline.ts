import type { RequestHandler } from 'express';

/**
 * A request body must arrive within `ms`: a client that sends its headers and then trickles
 * (or withholds) the body cannot hold a request open. It is answered 408 and its
 * connection closed.
 */
export function bodyDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const hasBody = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) > 0 : req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.readableEnded) return next();
    const timer = setTimeout(() => {
      if (req.readableEnded || res.headersSent) return;
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
