import express from 'express';
import request from 'supertest';
import { signFeedback } from '../../src/bounces/signedJson';
import { addToWishlist, insertProduct, insertUser, startSale } from '../support/factories';
import { SnsFields, SnsSigner } from '../support/snsSigner';
import { Stack, startStack } from '../support/stack';

const SNS = '/wishlist-alerts/feedback/sns';
const SIGNED = '/wishlist-alerts/feedback/signed';
const SECRET = 'feedback-secret-0123456789abcdef-0123456789';

const sesBounce = (recipients: Array<{ emailAddress: string; status?: string; diagnosticCode?: string }>, bounceType = 'Permanent') =>
  JSON.stringify({
    notificationType: 'Bounce',
    bounce: { bounceType, bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull', bouncedRecipients: recipients, timestamp: new Date().toISOString() },
    mail: { messageId: 'ses-1', destination: recipients.map((r) => r.emailAddress) },
  });
const sesComplaint = (addresses: string[], feedbackType = 'abuse') =>
  JSON.stringify({
    notificationType: 'Complaint',
    complaint: { complainedRecipients: addresses.map((emailAddress) => ({ emailAddress })), complaintFeedbackType: feedbackType },
    mail: { messageId: 'ses-2' },
  });

describe('the provider\'s bounce and complaint notifications', () => {
  let s: Stack;
  let sns: SnsSigner;
  beforeAll(() => {
    sns = SnsSigner.create();
  });
  beforeEach(async () => {
    sns.fetched.length = 0;
    s = await startStack(
      { WISHLIST_WATCH_ENABLED: 'false', WISHLIST_SNS_TOPIC_ARNS: `arn:aws:sns:eu-west-1:123456789012:other, ${sns.topicArn}`, WISHLIST_FEEDBACK_SECRET: SECRET },
      { snsFetch: sns.fetch },
    );
  });
  afterEach(() => s.close());

  // SNS posts its JSON as text/plain, with the type in a header.
  const postSns = (m: SnsFields) =>
    request(s.app).post(SNS).set('Content-Type', 'text/plain; charset=UTF-8').set('x-amz-sns-message-type', m.Type!).send(JSON.stringify(m));
  const postSigned = (body: string, at = Math.floor(s.clock.now().getTime() / 1000), secret = SECRET) =>
    request(s.app).post(SIGNED).set('Content-Type', 'application/json')
      .set('X-Wishlist-Timestamp', String(at)).set('X-Wishlist-Signature', signFeedback(secret, at, body)).send(body);
  const suppressions = async () =>
    (await s.db.pool.query('SELECT address, source, reason FROM wishlist_alert_suppressions ORDER BY address')).rows;

  test('a SubscriptionConfirmation is answered by confirming its SubscribeURL (through the injected fetcher, never AWS)', async () => {
    const subscribe = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${sns.topicArn}&Token=tok`;
    const res = await postSns(sns.message('SubscriptionConfirmation', { Message: 'You have chosen to subscribe…', SubscribeURL: subscribe, Token: 'tok' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { confirmed: true } });
    expect(sns.fetched).toEqual([sns.certUrl, subscribe]);

    // Unsubscribed in SNS: acknowledged (and logged), nothing fetched.
    const bye = await postSns(sns.message('UnsubscribeConfirmation', { Message: 'You have been unsubscribed…', SubscribeURL: subscribe, Token: 'tok' }));
    expect(bye.body).toEqual({ success: true, data: { unsubscribed: true } });
    expect(sns.fetched).toHaveLength(2);
  });

  test('a signing certificate that cannot be fetched is answered 503 (SNS retries), and is not asked for again at once', async () => {
    const missing = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ffff.pem';
    for (let i = 0; i < 2; i++) {
      const res = await postSns(sns.signed({ ...sns.message('Notification', { Message: '{}' }), SigningCertURL: missing }));
      expect([res.status, res.body.error]).toEqual([503, 'The SNS signing certificate could not be fetched: HTTP 404']);
    }
    expect(sns.fetched).toEqual([missing]);
  });

  test('an SES permanent bounce (SignatureVersion 2) suppresses its recipients as the shop stores them; a transient one nothing; the alert is then skipped', async () => {
    const jane = await insertUser(s.db.pool, { email: 'Jane.Doe@Example.com' });
    const res = await postSns(sns.message('Notification', {
      Message: sesBounce([{ emailAddress: 'jane.doe@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <jane.doe@example.com>: user unknown' }]),
    }));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ bounces: 1, complaints: 0, optedOut: 0, ignored: 0 });
    const transient = await postSns(sns.message('Notification', { Message: sesBounce([{ emailAddress: 'full@example.com' }], 'Transient') }));
    expect(transient.body.data).toEqual({ bounces: 0, complaints: 0, optedOut: 0, ignored: 1 });
    expect(await suppressions()).toEqual([{
      address: 'Jane.Doe@Example.com', source: 'notification',
      reason: 'SES permanent bounce (General): 5.1.1 smtp; 550 5.1.1 <j***@example.com>: user unknown',
    }]);

    const productId = await insertProduct(s.db.pool, { regularPrice: 100 });
    await addToWishlist(s.db.pool, jane.id, productId);
    await startSale(s.db.pool, productId, 80);
    expect(await s.check('sale')).toMatchObject({ emails: 0, errors: 0, suppressed: 1 });
    expect(s.sink.received).toHaveLength(0);
  });

  test('SignatureVersion 1 is checked too, and the signing certificate is fetched once for many messages', async () => {
    for (const [i, version] of (['1', '2', '1'] as const).entries()) {
      const res = await postSns(sns.message('Notification', { Message: sesBounce([{ emailAddress: `gone${i}@example.com` }]) }, version));
      expect(res.status).toBe(200);
    }
    expect((await suppressions()).map((r) => r.address)).toEqual(['gone0@example.com', 'gone1@example.com', 'gone2@example.com']);
    expect(sns.fetched).toEqual([sns.certUrl]);
  });

  test("a complaint stops every alert to that shopper (the opt-out, source 'complaint') and lists the address; \"not-spam\" changes nothing", async () => {
    const bob = await insertUser(s.db.pool, { email: 'bob@example.com' });
    const eve = await insertUser(s.db.pool, { email: 'eve@example.com' });
    expect((await postSns(sns.message('Notification', { Message: sesComplaint(['eve@example.com'], 'not-spam') }))).body.data)
      .toEqual({ bounces: 0, complaints: 0, optedOut: 0, ignored: 1 });
    const res = await postSns(sns.message('Notification', { Message: sesComplaint(['bob@example.com']) }));
    expect(res.body.data).toEqual({ bounces: 0, complaints: 1, optedOut: 1, ignored: 0 });

    const { rows: optouts } = await s.db.pool.query('SELECT user_id, source FROM wishlist_alert_optouts');
    expect(optouts).toEqual([{ user_id: bob.id, source: 'complaint' }]);
    expect(await suppressions()).toEqual([{ address: 'bob@example.com', source: 'complaint', reason: 'SES complaint (abuse)' }]);
    // A later bounce of the same address does not hide the complaint.
    await postSns(sns.message('Notification', { Message: sesBounce([{ emailAddress: 'bob@example.com' }]) }));
    expect((await suppressions())[0]).toMatchObject({ source: 'complaint' });

    // Bob's address changes: the list no longer holds him back, the complaint's opt-out still does.
    await s.db.pool.query(`UPDATE users SET email = 'bob@new.example' WHERE id = $1`, [bob.id]);
    for (const user of [bob, eve]) {
      const productId = await insertProduct(s.db.pool, { regularPrice: 100 });
      await addToWishlist(s.db.pool, user.id, productId);
      await startSale(s.db.pool, productId, 80);
    }
    expect(await s.check('sale')).toMatchObject({ emails: 1 });
    expect(s.sink.to('eve@example.com')).toHaveLength(1);
    expect(s.sink.to('bob@new.example')).toHaveLength(0);
  });

  test('unsigned, badly signed or foreign SNS messages are refused with 403 and the reason, and change nothing', async () => {
    const good = () => sns.message('Notification', { Message: sesBounce([{ emailAddress: 'victim@example.com' }]) });
    const cases: Array<[string, SnsFields, RegExp]> = [
      ['no signature', { ...good(), Signature: undefined }, /Unsigned or incomplete SNS message: Signature missing/],
      ['a changed message', { ...good(), Message: sesBounce([{ emailAddress: 'someone-else@example.com' }]) }, /signature does not match/],
      ['a topic not accepted', sns.signed({ ...good(), TopicArn: 'arn:aws:sns:us-east-1:999999999999:theirs' }), /topic is not one WISHLIST_SNS_TOPIC_ARNS accepts/],
      ['a certificate elsewhere', sns.signed({ ...good(), SigningCertURL: 'https://evil.example/SimpleNotificationService-1.pem' }), /SigningCertURL is not on https:\/\/sns/],
      ['a look-alike host', sns.signed({ ...good(), SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem' }), /not on https:\/\/sns/],
      ['a certificate over http', sns.signed({ ...good(), SigningCertURL: sns.certUrl.replace('https:', 'http:') }), /not on https:\/\/sns/],
      ['a certificate of another region', sns.signed({ ...good(), SigningCertURL: sns.certUrl.replace('us-east-1', 'eu-west-1') }), /not in the topic's region/],
      ['an old message', sns.signed({ ...good(), Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }), /more than 60 minutes ago/],
      ['SignatureVersion 3', sns.signed({ ...good(), SignatureVersion: '3' }), /SignatureVersion 3 is not 1 or 2/],
    ];
    for (const [what, message, reason] of cases) {
      const res = await postSns(message);
      expect([what, res.status]).toEqual([what, 403]);
      expect(res.body).toEqual({ success: false, error: expect.stringMatching(reason) });
    }
    expect((await request(s.app).post(SNS).set('Content-Type', 'text/plain').send('hello')).status).toBe(400);
    expect(await suppressions()).toEqual([]);
    // Only SNS's own certificate was ever fetched (once): no URL a sender named elsewhere.
    expect(sns.fetched).toEqual([sns.certUrl]);
  });

  test('the signed JSON form: a good signature acts; a wrong one, a stale timestamp or none is refused with 403', async () => {
    const carol = await insertUser(s.db.pool, { email: 'carol@example.com' });
    const body = JSON.stringify({ events: [
      { type: 'bounce', email: 'dead@example.com', reason: '550 5.1.1 user unknown' },
      { type: 'complaint', email: 'carol@example.com' },
    ] });
    const now = Math.floor(s.clock.now().getTime() / 1000);
    const refusals: Array<[string, request.Test, RegExp]> = [
      ['no signature', request(s.app).post(SIGNED).set('Content-Type', 'application/json').send(body), /Unsigned notification/],
      ['another secret', postSigned(body, now, `${SECRET}x`), /x-wishlist-signature does not match/],
      ['six minutes old', postSigned(body, now - 360), /more than 5 minutes from our clock/],
      ['a body changed after signing', request(s.app).post(SIGNED).set('Content-Type', 'application/json').set('X-Wishlist-Timestamp', String(now))
        .set('X-Wishlist-Signature', signFeedback(SECRET, now, body)).send(body.replace('dead@', 'alive@')), /does not match/],
    ];
    for (const [what, call, reason] of refusals) {
      const res = await call;
      expect([what, res.status, res.body.error]).toEqual([what, 403, expect.stringMatching(reason)]);
    }
    expect(await suppressions()).toEqual([]);

    const res = await postSigned(body);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ bounces: 1, complaints: 1, optedOut: 1, ignored: 0 });
    expect(await suppressions()).toEqual([
      { address: 'carol@example.com', source: 'complaint', reason: 'complaint reported by the provider' },
      { address: 'dead@example.com', source: 'notification', reason: 'permanent bounce reported by the provider: 550 5.1.1 user unknown' },
    ]);
    expect((await s.db.pool.query('SELECT user_id, source FROM wishlist_alert_optouts')).rows).toEqual([{ user_id: carol.id, source: 'complaint' }]);

    const malformed = await postSigned(JSON.stringify({ events: [{ type: 'bounce', email: 'not an address' }] }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('events[0].email is not one email address');
  });

  test('a body over the limit is refused (413); a host body parser that ran first is named (415)', async () => {
    const huge = JSON.stringify({ events: [{ type: 'bounce', email: 'a@example.com', reason: 'x'.repeat(1_100_000) }] });
    expect((await postSigned(huge)).status).toBe(413);

    // The shop's express.json() runs before the module's public routes.
    const shop = express();
    shop.use(express.json());
    shop.use(s.alerts.paths.feedback, s.alerts.routers.feedback);
    const body = JSON.stringify({ events: [{ type: 'bounce', email: 'dead@example.com' }] });
    const at = Math.floor(s.clock.now().getTime() / 1000);
    const sign = (type: string) => request(shop).post('/wishlist-alerts/feedback/signed').set('Content-Type', type)
      .set('X-Wishlist-Timestamp', String(at)).set('X-Wishlist-Signature', signFeedback(SECRET, at, body)).send(body);
    const parsed = await sign('application/json');
    expect(parsed.status).toBe(415);
    expect(parsed.body.error).toMatch(/read before the module saw it.*text\/plain/);
    expect((await sign('text/plain')).status).toBe(200);
  });
});

describe('without WISHLIST_SNS_TOPIC_ARNS and WISHLIST_FEEDBACK_SECRET', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ WISHLIST_WATCH_ENABLED: 'false' });
  });
  afterAll(() => s.close());

  test('both forms are refused with 403 naming the variable', async () => {
    const sns = await request(s.app).post(SNS).set('Content-Type', 'text/plain').send('{}');
    expect(sns.status).toBe(403);
    expect(sns.body.error).toMatch(/WISHLIST_SNS_TOPIC_ARNS is not set/);
    const signed = await request(s.app).post(SIGNED).set('Content-Type', 'application/json').send('{"events":[]}');
    expect(signed.status).toBe(403);
    expect(signed.body.error).toMatch(/WISHLIST_FEEDBACK_SECRET is not set/);
  });
});
