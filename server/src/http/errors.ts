import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { errorMessage } from '../errorMessage';
import { html } from '../html';
import { databaseUnavailableReason, isDatabaseUnavailableOrSlow } from '../db/pool';
import { JobBusyError, RunAbandonedError, UnknownJobError } from '../jobs/CronService';
import { DatabaseNotAnsweringError } from './databaseDeadline';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, `Not found: ${req.method} ${req.baseUrl}${req.path}`);
};

/** The one place errors become responses: JSON, never an HTML stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    // Already answered (a body that missed its deadline, then failed to parse): nothing to add.
    if (res.headersSent) return;
    let status = 500;
    let message = 'Internal server error';
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (err instanceof DatabaseNotAnsweringError) {
      // A run it was waiting for goes on: it fails on its own timeouts, or its lease expires.
      status = 503;
      message = err.message;
    } else if (err instanceof RunAbandonedError) {
      status = 503;
      message = err.message;
    } else if (err instanceof JobBusyError) {
      status = 409;
      message = `${err.message}; try again when it has finished`;
    } else if (err instanceof UnknownJobError) {
      status = 404;
      message = err.message;
    } else if (isDatabaseUnavailableOrSlow(err)) {
      // The driver's message names hosts and ports: it goes to the log only.
      status = 503;
      message = `Database unavailable: ${databaseUnavailableReason(err)}; the details are in the server log`;
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      message = `Malformed JSON in request body: ${err.message}`;
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      message = err.message;
    }
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, `Request failed: ${errorMessage(err)}`);
    // A person in a browser (the console's forms without its script) gets a page, APIs get JSON.
    if (!req.originalUrl.startsWith('/api/') && req.accepts(['json', 'html']) === 'html') {
      res.status(status).type('html').send(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title></head>
<body><h1>Error ${status}</h1><p>${message}</p></body></html>`.value);
      return;
    }
    res.status(status).json({ success: false, error: message });
  };
}
