import { Router } from 'express';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { DatabaseProbe, whileDatabaseAnswers } from './databaseDeadline';

const METHODS = ['use', 'all', 'get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * An Express router whose handlers may be async and may throw: the error reaches the
 * router's error handler either way. The module takes express from its host, and the
 * shop runs Express 4, which (unlike 5) ignores the promise a handler returns: a rejected
 * one would leave the request hanging and the rejection unhandled.
 *
 * With `probe` (the admin API, the console): a handler still waiting when the database stops
 * answering throws DatabaseNotAnsweringError, and whatever it does afterwards goes nowhere
 * (a sign-in check that returns late does not go on to run the check it guarded).
 */
export function createRouter(opts: { probe?: DatabaseProbe } = {}): Router {
  const router = Router();
  for (const method of METHODS) {
    const register = (router[method] as (...args: unknown[]) => Router).bind(router);
    (router as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => register(...args.map((a) => settled(a, opts.probe)));
  }
  return router;
}

/** A handler whose returned promise, if it rejects, goes to `next` (routers and paths pass through). */
function settled(arg: unknown, probe: DatabaseProbe | undefined): unknown {
  if (typeof arg !== 'function' || 'handle' in arg) return arg;
  // Express tells error handlers by their four parameters: keep the count.
  if (arg.length === 4) {
    const handler = arg as ErrorRequestHandler;
    return (err: unknown, req: Request, res: Response, next: NextFunction) => forward((n) => handler(err, req, res, n), next, probe);
  }
  const handler = arg as RequestHandler;
  return (req: Request, res: Response, next: NextFunction) => forward((n) => handler(req, res, n), next, probe);
}

function forward(call: (next: NextFunction) => unknown, next: NextFunction, probe: DatabaseProbe | undefined): void {
  // Once the watchdog has answered, a late call of next from the handler is dropped.
  let done = false;
  const once: NextFunction = probe
    ? (err?: unknown) => {
        if (done) return;
        done = true;
        next(err);
      }
    : next;
  try {
    const result = call(once);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      const work = result as Promise<unknown>;
      (probe ? whileDatabaseAnswers(probe, work) : work).then(undefined, once);
    }
  } catch (err) {
    once(err);
  }
}
