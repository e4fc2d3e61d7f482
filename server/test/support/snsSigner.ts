import { execFileSync } from 'child_process';
import { createPrivateKey, KeyObject, sign } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { stringToSign } from '../../src/bounces/sns';
import type { HttpsGet } from '../../src/bounces/httpsGet';

export type SnsFields = Record<string, string | undefined>;

const SIGNED: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/**
 * Plays Amazon SNS in tests: a key and a self-signed certificate made with the openssl
 * CLI at test time, messages signed as SNS signs them, and the https fetcher the module is
 * given instead of the network (it serves the certificate and answers confirmations).
 */
export class SnsSigner {
  readonly region = 'us-east-1';
  readonly topicArn = 'arn:aws:sns:us-east-1:123456789012:ses-feedback';
  readonly certUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
  /** Every URL the module fetched, in order. */
  readonly fetched: string[] = [];
  private constructor(private readonly key: KeyObject, readonly certificate: string) {}

  static create(): SnsSigner {
    const dir = mkdtempSync(path.join(tmpdir(), 'sns-signer-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        '-days', '2', '-subj', '/CN=sns.amazonaws.com',
      ], { stdio: 'ignore' });
      return new SnsSigner(createPrivateKey(readFileSync(path.join(dir, 'key.pem'))), readFileSync(path.join(dir, 'cert.pem'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A message of `type`, its signature computed over the fields SNS signs (SignatureVersion 1: SHA1, 2: SHA256). */
  message(type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', fields: SnsFields, version: '1' | '2' = '2'): SnsFields {
    const m: SnsFields = {
      Type: type,
      MessageId: `msg-${Math.random().toString(16).slice(2)}`,
      TopicArn: this.topicArn,
      Timestamp: new Date().toISOString(),
      SignatureVersion: version,
      SigningCertURL: this.certUrl,
      ...fields,
    };
    return this.signed(m);
  }

  /** Signs (again) whatever the message now holds. */
  signed(m: SnsFields): SnsFields {
    const text = stringToSign(m, SIGNED[m.Type!] ?? SIGNED.Notification);
    return { ...m, Signature: sign(m.SignatureVersion === '1' ? 'sha1' : 'sha256', Buffer.from(text, 'utf8'), this.key).toString('base64') };
  }

  readonly fetch: HttpsGet = async (url) => {
    this.fetched.push(url);
    if (url === this.certUrl) return { status: 200, body: this.certificate };
    if (url.startsWith(`https://sns.${this.region}.amazonaws.com/?Action=ConfirmSubscription`)) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
    return { status: 404, body: 'not found' };
  };
}
