import express, { Request, type Router } from 'express';
import { createRouter } from './router';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { SuppressionList } from '../services/SuppressionList';
import { FeedbackRefused } from '../bounces/feedback';
import { sesFeedback } from '../bounces/ses';
import { FeedbackUnavailable, SnsVerifier } from '../bounces/sns';
import { HttpsGet, httpsGet } from '../bounces/httpsGet';
import { SIGNATURE_HEADER, signedFeedback, TIMESTAMP_HEADER } from '../bounces/signedJson';
import { errorMessage } from '../errorMessage';
import { bodyDeadline } from './bodyDeadline';
import { errorHandler, HttpError } from './errors';
import { noSniff } from './securityHeaders';

const BODY_DEADLINE_MS = 10_000;
// SNS carries messages of up to 256 KB, JSON-escaped once more inside its own envelope.
const BODY_LIMIT = '1mb';

/** Which notification forms are accepted, as /status and the console say it. */
export interface FeedbackEndpoints {
  /** SNS topics accepted (WISHLIST_SNS_TOPIC_ARNS). */
  snsTopics: number;
  /** The signed JSON form is accepted (WISHLIST_FEEDBACK_SECRET set). */
  signedForm: boolean;
}

export interface FeedbackDeps {
  suppressions: SuppressionList;
  /** WISHLIST_SNS_TOPIC_ARNS; empty: SNS notifications are refused. */
  topics: readonly string[];
  /** WISHLIST_FEEDBACK_SECRET; absent: the signed JSON form is refused. */
  secret?: string;
  /** How SNS is reached (certificates, confirmations); default: https through Node's fetch. */
  fetch?: HttpsGet;
  clock: Clock;
  logger: Logger;
}

/**
 * The provider's bounce and complaint notifications (mounted with the public routes, at
 * /wishlist-alerts/feedback; no session, no admin token: the signature is the permission).
 * POST /sns: Amazon SES through SNS (subscription confirmations answered by confirming).
 * POST /signed: the plain signed JSON form, for other providers. The raw body is read here
 * (it is what is signed), bounded in size and time. A refusal is answered 403 (unsigned,
 * badly signed, not ours) or 400 (malformed) with the reason, and logged without the body.
 */
export function createFeedbackRouter(deps: FeedbackDeps): Router {
  const { suppressions, logger } = deps;
  const sns = deps.topics.length > 0 ? new SnsVerifier({ topics: deps.topics, fetch: deps.fetch ?? httpsGet, clock: deps.clock }) : null;
  const router = createRouter();
  router.use(noSniff);
  router.use(bodyDeadline(BODY_DEADLINE_MS), express.raw({ type: () => true, limit: BODY_LIMIT }));

  router.post('/sns', async (req, res) => {
    if (!sns) throw new FeedbackRefused(403, 'SNS notifications are not accepted here: WISHLIST_SNS_TOPIC_ARNS is not set');
    const message = await sns.verify(rawBody(req).toString('utf8'), req.get('x-amz-sns-message-type'));
    const origin = `SNS ${message.TopicArn} message ${message.MessageId}`;
    if (message.Type === 'SubscriptionConfirmation') {
      await sns.confirm(message).catch((err) => {
        throw new HttpError(502, `The subscription could not be confirmed: ${errorMessage(err)}`);
      });
      logger.info({ topic: message.TopicArn }, `📨 Subscribed to SNS topic ${message.TopicArn}: its bounces and complaints now reach the suppression list`);
      res.json({ success: true, data: { confirmed: true } });
      return;
    }
    if (message.Type === 'UnsubscribeConfirmation') {
      logger.warn({ topic: message.TopicArn }, `📭 SNS topic ${message.TopicArn} unsubscribed this endpoint: its bounces and complaints no longer arrive`);
      res.json({ success: true, data: { unsubscribed: true } });
      return;
    }
    res.json({ success: true, data: await suppressions.report(sesFeedback(message.Message), origin) });
  });

  router.post('/signed', async (req, res) => {
    if (!deps.secret) throw new FeedbackRefused(403, 'Signed notifications are not accepted here: WISHLIST_FEEDBACK_SECRET is not set');
    const feedback = signedFeedback({ secret: deps.secret, now: deps.clock.now() }, rawBody(req), {
      timestamp: req.get(TIMESTAMP_HEADER), signature: req.get(SIGNATURE_HEADER),
    });
    res.json({ success: true, data: await suppressions.report(feedback, 'Signed notification') });
  });

  router.use(((err, req, _res, next) => {
    if (err instanceof FeedbackRefused) {
      logger.warn({ path: req.path, ip: req.ip, status: err.status }, `Notification refused: ${err.message}`);
      return next(new HttpError(err.status, err.message));
    }
    if (err instanceof FeedbackUnavailable) {
      logger.warn({ path: req.path }, err.message);
      return next(new HttpError(503, err.message));
    }
    next(err);
  }) as express.ErrorRequestHandler);
  router.use(errorHandler(logger));
  return router;
}

/**
 * The bytes as sent. A host whose own body parser ran first (the shop's express.json() for
 * application/json) leaves none to check the signature of: that is answered plainly.
 */
function rawBody(req: Request): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (!(req as { _body?: boolean })._body) return Buffer.alloc(0); // no body at all
  throw new HttpError(
    415,
    'The body was read before the module saw it (a body parser mounted ahead of its public routes): send it as text/plain or application/octet-stream, or mount publicRoutes before the host\'s body parsers',
  );
}
