import express, { Express, Router } from 'express';
import type { Logger } from '../logger';
import { errorHandler, notFound } from './errors';
import { noSniff } from './securityHeaders';

type MountName = 'admin' | 'console' | 'unsubscribe' | 'metrics' | 'health' | 'feedback';

/** What the module gives a host to mount: each router at its path. */
export interface Mountable {
  routers: Record<MountName, Router>;
  paths: Record<MountName, string>;
}

/**
 * The standalone server's HTTP app: the module's routers at their paths, as a host would
 * mount them. It never listens, so tests mount it on their own database.
 */
export function createApp(deps: Mountable & { logger: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(noSniff);
  for (const name of ['health', 'metrics', 'admin', 'unsubscribe', 'feedback', 'console'] as const) {
    app.use(deps.paths[name], deps.routers[name]);
  }
  app.use('/api', notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
