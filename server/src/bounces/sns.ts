import { KeyObject, verify, X509Certificate } from 'crypto';
import type { Clock } from '../clock';
import { errorMessage } from '../errorMessage';
import { FeedbackRefused } from './feedback';
import type { HttpsGet } from './httpsGet';

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** An SNS message to an HTTP(S) endpoint, its signature checked. */
export interface SnsMessage {
  Type: SnsType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

// The fields signed, in the order signed, per type (AWS: "Verifying the signatures of
// Amazon SNS messages"). A Notification's Subject is signed only when it has one.
const SIGNED: Record<SnsType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};
const ALGORITHM: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

/** SNS's own hosts: sns.<region>.amazonaws.com, nothing else. */
const SNS_HOST = /^sns\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com$/;
const CERT_PATH = /^\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;
export const TOPIC_ARN = /^arn:aws(?:-us-gov)?:sns:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

/** A message signed longer ago than this is refused (SNS's default delivery policy retries within about a minute). */
export const SNS_MAX_AGE_MS = 3600_000;
const SNS_MAX_AHEAD_MS = 5 * 60_000;
const CERT_LIMITS = { timeoutMs: 5000, maxBytes: 64 * 1024 };
const CACHED_CERTS = 20;
/** A certificate that could not be fetched is not asked for again before this (shorter than the retries of SNS's default delivery policy). */
const FAILED_FETCH_KEPT_MS = 10_000;

const refused = (message: string) => new FeedbackRefused(403, message);
const malformed = (message: string) => new FeedbackRefused(400, message);

/** The region of an SNS URL (https://sns.<region>.amazonaws.com/…), or a refusal naming `what`. */
export function snsRegionOf(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(`${what} is not a URL`);
  }
  const host = SNS_HOST.exec(url.hostname);
  if (url.protocol !== 'https:' || !host || url.port !== '' || url.username !== '' || url.password !== '') {
    throw refused(`${what} is not on https://sns.<region>.amazonaws.com`);
  }
  return host[1];
}

/**
 * Checks SNS messages: a topic we accept (WISHLIST_SNS_TOPIC_ARNS), a recent timestamp, and
 * the signature (SignatureVersion 1, SHA1withRSA, or 2, SHA256withRSA) under the certificate
 * SNS names, which must be an https URL on sns.<the topic's region>.amazonaws.com. Each
 * certificate is fetched once and kept (the few most recent).
 */
export class SnsVerifier {
  private readonly certificates = new Map<string, Promise<{ key: KeyObject; cert: X509Certificate }>>();

  constructor(private readonly deps: { topics: readonly string[]; fetch: HttpsGet; clock: Clock }) {}

  /** The message if it is SNS's, for a topic we accept, and signed; else a FeedbackRefused with the reason. */
  async verify(raw: string, typeHeader: string | undefined): Promise<SnsMessage> {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw malformed('The body is not JSON: an SNS message was expected');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('The body is not a JSON object: an SNS message was expected');
    const m = body as Record<string, unknown>;
    const type = m.Type;
    if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') {
      throw malformed('Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation');
    }
    if (typeHeader !== undefined && typeHeader !== type) throw malformed(`x-amz-sns-message-type (${typeHeader}) differs from the body's Type`);
    const required = [...SIGNED[type].filter((f) => f !== 'Subject'), 'SignatureVersion', 'Signature', 'SigningCertURL'];
    const missing = required.filter((f) => typeof m[f] !== 'string');
    if (missing.length > 0) throw refused(`Unsigned or incomplete SNS message: ${missing.join(', ')} missing`);
    if (m.Subject !== undefined && m.Subject !== null && typeof m.Subject !== 'string') throw malformed('Subject must be a string');

    const topic = m.TopicArn as string;
    if (!this.deps.topics.includes(topic)) throw refused('The topic is not one WISHLIST_SNS_TOPIC_ARNS accepts');
    this.checkTimestamp(m.Timestamp as string);
    const algorithm = ALGORITHM[m.SignatureVersion as string];
    if (!algorithm) throw refused(`SignatureVersion ${String(m.SignatureVersion).slice(0, 10)} is not 1 or 2`);
    const certUrl = m.SigningCertURL as string;
    const region = snsRegionOf(certUrl, 'SigningCertURL');
    const { pathname, search, hash } = new URL(certUrl);
    if (!CERT_PATH.test(pathname) || search !== '' || hash !== '') throw refused("SigningCertURL is not one of SNS's certificates (/SimpleNotificationService-….pem)");
    if (TOPIC_ARN.exec(topic)?.[1] !== region) throw refused("SigningCertURL is not in the topic's region");

    const { key, cert } = await this.certificate(certUrl);
    const now = this.deps.clock.now();
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) throw refused('The SNS signing certificate is not valid now');
    const signed = stringToSign(m, SIGNED[type]);
    const signature = Buffer.from(m.Signature as string, 'base64');
    if (signature.length === 0 || !verify(algorithm, Buffer.from(signed, 'utf8'), key, signature)) {
      throw refused('The SNS signature does not match the message');
    }
    if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
      if (snsRegionOf(m.SubscribeURL as string, 'SubscribeURL') !== region) throw refused("SubscribeURL is not in the topic's region");
    }
    return m as unknown as SnsMessage;
  }

  /** Confirms a subscription: a GET of its (checked) SubscribeURL, as SNS asks. */
  async confirm(message: SnsMessage): Promise<void> {
    const res = await this.deps.fetch(message.SubscribeURL!, { timeoutMs: 10_000, maxBytes: 64 * 1024 });
    if (res.status < 200 || res.status > 299) throw new Error(`SNS answered the subscription confirmation with HTTP ${res.status}`);
  }

  private checkTimestamp(value: string): void {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw malformed('Timestamp is not a time');
    const age = this.deps.clock.now().getTime() - at;
    if (age > SNS_MAX_AGE_MS) throw refused(`The message was signed more than ${SNS_MAX_AGE_MS / 60_000} minutes ago (a replay?)`);
    if (age < -SNS_MAX_AHEAD_MS) throw refused('The message is signed in the future: check the clocks');
  }

  private certificate(url: string): Promise<{ key: KeyObject; cert: X509Certificate }> {
    const cached = this.certificates.get(url);
    if (cached) return cached;
    const pending = this.fetchCertificate(url);
    this.certificates.set(url, pending);
    // A failed fetch is tried again a little later: not at once, or forged messages naming
    // certificates that do not exist would each cost a request to SNS.
    pending.catch(() => setTimeout(() => this.certificates.get(url) === pending && this.certificates.delete(url), FAILED_FETCH_KEPT_MS).unref());
    if (this.certificates.size > CACHED_CERTS) this.certificates.delete(this.certificates.keys().next().value!);
    return pending;
  }

  private async fetchCertificate(url: string): Promise<{ key: KeyObject; cert: X509Certificate }> {
    let body: string;
    try {
      const res = await this.deps.fetch(url, CERT_LIMITS);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      body = res.body;
    } catch (err) {
      // Not the sender's fault, perhaps: 503 so that SNS tries again.
      throw new FeedbackUnavailable(`The SNS signing certificate could not be fetched: ${errorMessage(err)}`);
    }
    try {
      const cert = new X509Certificate(body);
      return { cert, key: cert.publicKey };
    } catch {
      throw refused('SigningCertURL does not hold an X.509 certificate');
    }
  }
}

/** The certificate could not be fetched: answered 503, SNS retries. */
export class FeedbackUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackUnavailable';
  }
}

/** "Key\nValue\n" for each signed field present, in the order given. */
export function stringToSign(m: Record<string, unknown>, fields: readonly string[]): string {
  return fields
    .filter((f) => typeof m[f] === 'string')
    .map((f) => `${f}\n${m[f] as string}\n`)
    .join('');
}
