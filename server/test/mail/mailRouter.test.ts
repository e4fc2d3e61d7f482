import { MailSources } from '../../src/mail/mailSources';
import { createMailRouter } from '../../src/mail/mailRouter';
import { parseShopMailEnv } from '../../src/mail/shopMailEnv';
import { silentLogger } from '../../src/logger';
import { setRegionSetting } from '../support/factories';
import { FakeClock } from '../support/fakeClock';
import { SmtpSink } from '../support/smtpSink';
import { createTestDatabase, TestDatabase } from '../support/testDatabase';

describe("the mail router follows the shop's settings", () => {
  let db: TestDatabase;
  let sinks: SmtpSink[];
  beforeEach(async () => {
    db = await createTestDatabase();
    sinks = [await SmtpSink.start(), await SmtpSink.start()];
  });
  afterEach(async () => {
    for (const s of sinks) await s.stop();
    await db.drop();
  });

  test("a store's new mail server is used after the next read, and the old server's pool is closed", async () => {
    const clock = new FakeClock();
    const sources = new MailSources({ db: db.pool, clock, shopEnv: parseShopMailEnv({}), mailFrom: 'Shop <shop@x.example>', production: false, logger: silentLogger() });
    const router = createMailRouter({ sources, smtpPoolSize: 1, previewDir: '/tmp/unused-preview', logger: silentLogger() });
    const mail = (n: number) => ({ from: 'shop@x.example', to: 'a@x.example', subject: `m${n}`, html: 'h', text: 't', messageId: `<m${n}@x.example>` });
    try {
      await setRegionSetting(db.pool, 'us', 'smtp_host', '127.0.0.1');
      await setRegionSetting(db.pool, 'us', 'smtp_port', String(sinks[0].port));
      const first = await router.forRegion('us');
      if (!('route' in first)) throw new Error('no route');
      await first.route.mailer.send(mail(1));
      await setRegionSetting(db.pool, 'us', 'smtp_port', String(sinks[1].port));
      clock.advanceMs(61_000);
      const second = await router.forRegion('us');
      if (!('route' in second)) throw new Error('no route');
      expect(second.route.mailer).not.toBe(first.route.mailer);
      await second.route.mailer.send(mail(2));
      expect([sinks[0].received.map((m) => m.subject), sinks[1].received.map((m) => m.subject)]).toEqual([['m1'], ['m2']]);
      await expect(first.route.mailer.send(mail(3))).rejects.toBeTruthy(); // its pool is closed
    } finally {
      await router.close();
    }
  });
});
