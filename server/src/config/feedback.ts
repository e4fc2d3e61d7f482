import type { envReader } from './envReader';
import { TOPIC_ARN } from '../bounces/sns';

/** Who may report bounces and complaints to PUBLIC_URL/wishlist-alerts/feedback (docs/operations.md). */
export interface FeedbackSettings {
  /** The SNS topics whose notifications are accepted at …/feedback/sns; empty: none (answered 403). */
  snsTopicArns: string[];
  /** Signs the plain JSON form at …/feedback/signed; absent: that form is refused (403). */
  feedbackSecret?: string;
}

/**
 * Reads the notification endpoint's variables with the config's own readers, so a bad
 * value is named in the one configuration error with all the others.
 */
export function readFeedbackSettings(read: ReturnType<typeof envReader>): FeedbackSettings {
  const { raw, bad } = read;
  const snsTopicArns: string[] = [];
  for (const arn of (raw('WISHLIST_SNS_TOPIC_ARNS') ?? '').split(',').map((a) => a.trim()).filter(Boolean)) {
    if (TOPIC_ARN.test(arn)) snsTopicArns.push(arn);
    else bad('WISHLIST_SNS_TOPIC_ARNS', arn, 'expected comma-separated SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)');
  }
  const feedbackSecret = raw('WISHLIST_FEEDBACK_SECRET');
  if (feedbackSecret !== undefined && feedbackSecret.length < 32) {
    bad('WISHLIST_FEEDBACK_SECRET', feedbackSecret, 'too short: use at least 32 random characters (openssl rand -hex 32)');
  }
  return { snsTopicArns, feedbackSecret };
}
