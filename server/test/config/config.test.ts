import { ConfigError, loadConfig } from '../../src/config/config';

/** 32 characters, 32 different ones: what production asks of UNSUBSCRIBE_SECRET. */
const STRONG_SECRET = 'Zq8#vL2m!Rt5@Wn9$Kp3%Xc7&Hb4*Jd6';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.jobs['wishlist-sale-check']).toEqual({ schedule: '0 * * * *', enabled: true, timezone: 'America/New_York' });
    expect(c.jobs['wishlist-stock-check']).toEqual({ schedule: '*/30 * * * *', enabled: true, timezone: 'America/New_York' });
    expect(c.stockCooldownHours).toBe(24);
    expect(c.mailMaxAttempts).toBe(8);
    expect(c.smtpPoolSize).toBe(5);
    expect(c.logFormat).toBe('pretty');
    expect(Object.isFrozen(c)).toBe(true);
  });

  test('each variable is read and parsed', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      SMTP_URL: 'smtps://u:p@mail.example:465',
      WISHLIST_SALE_CHECK_ENABLED: 'false',
      WISHLIST_STOCK_CHECK_SCHEDULE: '*/5 * * * *',
      WISHLIST_JOBS_TIMEZONE: 'Europe/Berlin',
      WISHLIST_STOCK_COOLDOWN_HOURS: '0.25',
      FRONTEND_URL: 'https://shop.example/',
    });
    expect(c.port).toBe(8080);
    expect(c.jobs['wishlist-sale-check'].enabled).toBe(false);
    expect(c.jobs['wishlist-stock-check']).toEqual({ schedule: '*/5 * * * *', enabled: true, timezone: 'Europe/Berlin' });
    expect(c.stockCooldownHours).toBe(0.25);
    expect(c.frontendUrl).toBe('https://shop.example');
  });

  test('one error names every bad variable with its value', () => {
    const problems = problemsOf({
      WISHLIST_SALE_CHECK_SCHEDULE: '61 * * * *',
      WISHLIST_STOCK_CHECK_ENABLED: 'maybe',
      WISHLIST_JOBS_TIMEZONE: 'Mars/Olympus',
      WISHLIST_STOCK_COOLDOWN_HOURS: '-1',
      PORT: 'eighty',
      FRONTEND_URL: 'not a url',
      SMTP_URL: 'http://mail.example',
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toEqual(expect.stringContaining('WISHLIST_SALE_CHECK_SCHEDULE="61 * * * *"'));
    for (const name of ['WISHLIST_STOCK_CHECK_ENABLED="maybe"', 'WISHLIST_JOBS_TIMEZONE="Mars/Olympus"', 'WISHLIST_STOCK_COOLDOWN_HOURS="-1"', 'PORT="eighty"', 'FRONTEND_URL="not a url"', 'SMTP_URL="http://mail.example"']) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  test('secrets are masked in the message', () => {
    const message = (() => {
      try {
        loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/shop', ADMIN_API_TOKEN: 'tiny1' });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toContain('DATABASE_URL="mysql://admin:***@db/shop"');
    expect(message).toContain('ADMIN_API_TOKEN="***"');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('tiny1');
  });

  test('production refuses to boot without ADMIN_API_TOKEN, UNSUBSCRIBE_SECRET and an https PUBLIC_URL', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'ADMIN_API_TOKEN is required when NODE_ENV=production',
      "WISHLIST_UNSUBSCRIBE_SECRET (or the shop's UNSUBSCRIBE_SECRET) is required when NODE_ENV=production (the same on every instance)",
      'PUBLIC_URL is required when NODE_ENV=production (the https address shoppers reach for unsubscribe links)',
      'FRONTEND_URL is required when NODE_ENV=production (the storefront shoppers reach; the default http://localhost:5173 is this machine)',
    ]);
    const production = {
      NODE_ENV: 'production',
      ADMIN_API_TOKEN: 'a-long-enough-token-123',
      UNSUBSCRIBE_SECRET: STRONG_SECRET,
      PUBLIC_URL: 'https://shop.example/',
      FRONTEND_URL: 'https://simfab.example',
    };
    expect(problemsOf({ ...production, PUBLIC_URL: 'http://shop.example' })).toEqual([
      'PUBLIC_URL="http://shop.example": must be https in production: mailbox providers ignore one-click unsubscribe over http',
    ]);
    expect(problemsOf({ ...production, UNSUBSCRIBE_SECRET: 'short' })).toEqual([
      'UNSUBSCRIBE_SECRET="***": too short: use at least 32 random characters (openssl rand -base64 32)',
    ]);
    for (const secret of ['x'.repeat(32), '0123401234012340123401234012340123']) {
      expect(problemsOf({ ...production, UNSUBSCRIBE_SECRET: secret })).toEqual([
        'UNSUBSCRIBE_SECRET="***": too guessable: use at least 10 different characters in production (openssl rand -base64 32)',
      ]);
      expect(loadConfig({ UNSUBSCRIBE_SECRET: secret }).unsubscribeSecret).toBe(secret); // development takes it
    }
    expect(problemsOf({ ADMIN_API_TOKEN: 'a'.repeat(1025) })).toEqual(['ADMIN_API_TOKEN="***": too long: use at most 1024 characters']);
    const config = loadConfig(production);
    expect(config.logFormat).toBe('json');
    expect(config.publicUrl).toBe('https://shop.example');
  });

  test("inside the shop: the shop's sender, its EMAIL_ENABLED, its UNSUBSCRIBE_SECRET behind the module's own, no token required", () => {
    expect(loadConfig({}).mailFrom).toBe('SimFab <noreply@simfab.com>');
    expect(loadConfig({ EMAIL_FROM_EMAIL: 'hello@simfab.com', EMAIL_FROM_NAME: 'SimFab Racing' }).mailFrom).toBe('SimFab Racing <hello@simfab.com>');
    expect(loadConfig({ EMAIL_FROM_EMAIL: 'hello@simfab.com', MAIL_FROM: 'Alerts <alerts@simfab.com>' }).mailFrom).toBe('Alerts <alerts@simfab.com>');
    expect(loadConfig({}).mailSwitchedOff).toBeNull();
    expect(loadConfig({ EMAIL_ENABLED: 'true' }).mailSwitchedOff).toBeNull();
    expect(loadConfig({ EMAIL_ENABLED: 'false' }).mailSwitchedOff).toMatch(/^EMAIL_ENABLED=false: the shop's mail is switched off/);
    expect(loadConfig({ WISHLIST_MAIL_ENABLED: 'false' }).mailSwitchedOff).toMatch(/^WISHLIST_MAIL_ENABLED=false/);
    // The shop stops its mail for exactly 'false': another spelling would leave the two disagreeing.
    expect(problemsOf({ EMAIL_ENABLED: 'FALSE' })).toEqual([
      `EMAIL_ENABLED="FALSE": expected true or false (the shop stops its mail only for exactly 'false')`,
    ]);
    const own = 'w'.repeat(16) + 'x'.repeat(16);
    expect(loadConfig({ UNSUBSCRIBE_SECRET: 's'.repeat(40) })).toMatchObject({ unsubscribeSecret: 's'.repeat(40), unsubscribeSecretVariable: 'UNSUBSCRIBE_SECRET' });
    expect(loadConfig({ UNSUBSCRIBE_SECRET: 's'.repeat(40), WISHLIST_UNSUBSCRIBE_SECRET: own })).toMatchObject({
      unsubscribeSecret: own, unsubscribeSecretVariable: 'WISHLIST_UNSUBSCRIBE_SECRET',
    });
    expect(problemsOf({ WISHLIST_UNSUBSCRIBE_SECRET: 'short' })).toEqual([
      'WISHLIST_UNSUBSCRIBE_SECRET="***": too short: use at least 32 random characters (openssl rand -base64 32)',
    ]);
    // The shop's admins sign in the shop's way: no token needed there; HOST is the shop's, not read.
    const shop = { NODE_ENV: 'production', UNSUBSCRIBE_SECRET: 'Zq8#vL2m!Rt5@Wn9$Kp3%Xc7&Hb4*Jd6', PUBLIC_URL: 'https://api.simfab.com', FRONTEND_URL: 'https://simfab.com', HOST: 'not a host!' };
    expect(loadConfig(shop, { inHost: true }).adminApiToken).toBeUndefined();
    expect(problemsOf(shop)).toContain('ADMIN_API_TOKEN is required when NODE_ENV=production');
    // The console points a signed-out admin to the storefront's sign-in page.
    expect(loadConfig(shop, { inHost: true }).adminSignInUrl).toBe('https://simfab.com/login');
    expect(problemsOf({ ADMIN_SIGNIN_URL: 'javascript:alert(1)' })).toEqual([
      'ADMIN_SIGNIN_URL="javascript:alert(1)": expected an http(s) URL or a path starting with / (e.g. https://simfab.com/login)',
    ]);
  });

  test('production compares parsed URLs: HTTP:// is not https; unspecified, loopback and mapped-loopback hosts are this machine', () => {
    const production = {
      NODE_ENV: 'production', ADMIN_API_TOKEN: 'a-long-enough-token-123', UNSUBSCRIBE_SECRET: 'Zq8#vL2m!Rt5@Wn9$Kp3%Xc7&Hb4*Jd6', FRONTEND_URL: 'https://simfab.example',
    };
    expect(problemsOf({ ...production, PUBLIC_URL: 'HTTP://alerts.shop.example' })).toEqual([
      'PUBLIC_URL="HTTP://alerts.shop.example": must be https in production: mailbox providers ignore one-click unsubscribe over http',
    ]);
    expect(loadConfig({ ...production, PUBLIC_URL: 'HTTPS://alerts.shop.example' }).publicUrl).toBe('HTTPS://alerts.shop.example');
    const local = [
      'http://0.0.0.0:5173', 'https://[::ffff:127.0.0.1]', 'https://[::]', 'https://[0:0:0:0:0:0:0:1]', 'http://2130706433',
      'http://0x7f.1', 'https://[::ffff:0.0.0.0]', 'HTTPS://LOCALHOST.', 'https://0',
    ];
    for (const url of local) {
      expect(problemsOf({ ...production, PUBLIC_URL: 'https://alerts.shop.example', FRONTEND_URL: url })).toEqual([
        `FRONTEND_URL=${JSON.stringify(url)}: is this machine: production needs the address shoppers reach`,
      ]);
    }
    for (const url of ['https://[2001:db8::1]', 'https://[::ffff:8.8.8.8]', 'https://10.0.0.1', 'https://alerts.shop.example']) {
      expect(loadConfig({ ...production, PUBLIC_URL: url }).publicUrl).toBe(url);
    }
  });

  test('production refuses storefront and public addresses on this machine, naming each variable', () => {
    const production = {
      NODE_ENV: 'production', ADMIN_API_TOKEN: 'a-long-enough-token-123', UNSUBSCRIBE_SECRET: STRONG_SECRET,
    };
    const problems = problemsOf({
      ...production,
      FRONTEND_URL: 'https://localhost:5173',
      FRONTEND_URL_EU: 'https://127.0.0.2/eu',
      PUBLIC_URL: 'https://alerts.shop.localhost',
    });
    expect(problems).toEqual([
      'FRONTEND_URL="https://localhost:5173": is this machine: production needs the address shoppers reach',
      'FRONTEND_URL_EU="https://127.0.0.2/eu": is this machine: production needs the address shoppers reach',
      'PUBLIC_URL="https://alerts.shop.localhost": is this machine: production needs the address shoppers reach',
    ]);
    expect(problemsOf({ ...production, FRONTEND_URL: 'https://simfab.example', PUBLIC_URL: 'https://[::1]:8443' })).toEqual([
      'PUBLIC_URL="https://[::1]:8443": is this machine: production needs the address shoppers reach',
    ]);
    // Outside production a local storefront is the normal development setup.
    expect(loadConfig({ FRONTEND_URL: 'http://127.0.0.1:5173', PUBLIC_URL: 'http://localhost:3000' }).frontendUrl).toBe('http://127.0.0.1:5173');
    expect(loadConfig({ ...production, FRONTEND_URL: 'https://simfab.example', PUBLIC_URL: 'https://alerts.simfab.example' }).publicUrl)
      .toBe('https://alerts.simfab.example');
  });

  test('an admin token with whitespace or control characters is refused; in production, also one of fewer than 10 distinct characters', () => {
    for (const token of ['two-words token-123456', 'a-long-token-0123456 ', '\ta-long-token-0123456', 'a-long-token\u0000-0123456', 'a-long-token\u00a0-0123456']) {
      expect([JSON.stringify(token), problemsOf({ ADMIN_API_TOKEN: token })]).toEqual([
        JSON.stringify(token),
        ['ADMIN_API_TOKEN="***": contains whitespace or control characters: a bearer token must be one word of printable characters'],
      ]);
    }
    const production = {
      NODE_ENV: 'production', UNSUBSCRIBE_SECRET: STRONG_SECRET, PUBLIC_URL: 'https://shop.example', FRONTEND_URL: 'https://simfab.example',
    };
    for (const token of ['aaaaaaaaaaaaaaaaaaaaaaaa', '1234512345123451234512345']) {
      expect(problemsOf({ ...production, ADMIN_API_TOKEN: token })).toEqual([
        'ADMIN_API_TOKEN="***": too guessable: use at least 10 different characters in production (openssl rand -base64 32)',
      ]);
      expect(loadConfig({ ADMIN_API_TOKEN: token }).adminApiToken).toBe(token); // development takes it
    }
    expect(loadConfig({ ...production, ADMIN_API_TOKEN: '0123456789abcdef' }).adminApiToken).toBe('0123456789abcdef');
  });

  test('a malformed URL or a password parameter never shows its password in the message', () => {
    const message = (() => {
      try {
        loadConfig({
          SMTP_URL: 'user:SMTP-SECRET@mail.example:25',
          DATABASE_URL: 'mysql://db.example/shop?user=shop&password=DB-SECRET',
          FRONTEND_URL: 'shop:FRONT-SECRET@simfab.example',
        });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toContain('SMTP_URL="user:***@mail.example:25"');
    expect(message).toContain('DATABASE_URL="mysql://db.example/shop?user=shop&password=***"');
    expect(message).toContain('FRONTEND_URL="shop:***@simfab.example"');
    expect(message).not.toMatch(/SECRET/);
  });

  test('MAIL_FROM is one sender: a display name allowed, one address, no control characters', () => {
    for (const from of ['alerts@shop.example', 'Shop Alerts <alerts@shop.example>', '"Shop, Inc." <alerts@shop.example>', '<alerts@shop.example>', 'Zoë’s Rigs <alerts@shop.example>']) {
      expect(loadConfig({ MAIL_FROM: from }).mailFrom).toBe(from);
    }
    for (const from of [
      'Shop <alerts@shop.example>\r\nBcc: victim@elsewhere.example',
      'alerts@shop.example\nBcc: victim@elsewhere.example',
      'alerts@shop.example, other@shop.example',
      'Shop <alerts@shop.example> <other@shop.example>',
      'Group: alerts@shop.example;',
      'Shop <not an address>',
      'Shop, Inc. <alerts@shop.example>',
      'Shop alerts@shop.example',
      'Sh\u0000op <alerts@shop.example>',
    ]) {
      expect(problemsOf({ MAIL_FROM: from })).toEqual([
        expect.stringMatching(/^MAIL_FROM=".*": expected one sender address, with or without a display name/),
      ]);
    }
  });

  test('HOST and DATABASE_STATEMENT_TIMEOUT_MS', () => {
    expect(loadConfig({})).toMatchObject({ host: '0.0.0.0', databaseStatementTimeoutMs: 60000 });
    expect(loadConfig({ HOST: '127.0.0.1', DATABASE_STATEMENT_TIMEOUT_MS: '5000' })).toMatchObject({ host: '127.0.0.1', databaseStatementTimeoutMs: 5000 });
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(problemsOf({ HOST: 'http://0.0.0.0', DATABASE_STATEMENT_TIMEOUT_MS: '10' })).toEqual([
      'HOST="http://0.0.0.0": expected an IP address or host name to listen on (e.g. 0.0.0.0, 127.0.0.1, ::)',
      'DATABASE_STATEMENT_TIMEOUT_MS="10": expected a whole number from 1000 to 86400000',
    ]);
  });

  test('email noise settings: percent from 0 to 99, whole counts, and a mailto address', () => {
    expect(problemsOf({ WISHLIST_SALE_MIN_DROP_PERCENT: '100', WISHLIST_STOCK_NOTIFY_PER_UNIT: '1.5', WISHLIST_MAX_EMAILS_PER_DAY: '-1', MAIL_UNSUBSCRIBE_MAILTO: 'nope' })).toEqual([
      'MAIL_UNSUBSCRIBE_MAILTO="nope": expected an email address (e.g. unsubscribe@shop.example)',
      'WISHLIST_SALE_MIN_DROP_PERCENT="100": expected a number from 0 to 99',
      'WISHLIST_STOCK_NOTIFY_PER_UNIT="1.5": expected a whole number from 0 to 10000',
      'WISHLIST_MAX_EMAILS_PER_DAY="-1": expected a whole number from 0 to 1000',
    ]);
    expect(loadConfig({ WISHLIST_SALE_MIN_DROP_PERCENT: '12.5' }).saleMinDropPercent).toBe(12.5);
  });

  test('provider notifications: the SNS topics accepted and the signed form\'s secret, each checked, the secret masked', () => {
    const c = loadConfig({
      WISHLIST_SNS_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:ses-bounces, arn:aws:sns:eu-west-1:123456789012:ses-eu',
      WISHLIST_FEEDBACK_SECRET: 'f'.repeat(32),
    });
    expect(c.snsTopicArns).toEqual(['arn:aws:sns:us-east-1:123456789012:ses-bounces', 'arn:aws:sns:eu-west-1:123456789012:ses-eu']);
    expect(c.feedbackSecret).toBe('f'.repeat(32));
    expect(loadConfig({})).toMatchObject({ snsTopicArns: [], feedbackSecret: undefined });
    expect(problemsOf({ WISHLIST_SNS_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:ok,https://sns.us-east-1.amazonaws.com/', WISHLIST_FEEDBACK_SECRET: 'short-secret' })).toEqual([
      'WISHLIST_SNS_TOPIC_ARNS="https://sns.us-east-1.amazonaws.com/": expected comma-separated SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)',
      'WISHLIST_FEEDBACK_SECRET="***": too short: use at least 32 random characters (openssl rand -hex 32)',
    ]);
  });

  test('numbers must be in range and whole where it matters', () => {
    expect(problemsOf({ WISHLIST_MAIL_MAX_ATTEMPTS: '2.5' })[0]).toMatch(/^WISHLIST_MAIL_MAX_ATTEMPTS="2.5": expected a whole number/);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT="70000"/);
  });
});

describe('env.example', () => {
  const { readdirSync, readFileSync } = jest.requireActual<typeof import('fs')>('fs');
  const path = jest.requireActual<typeof import('path')>('path');
  const dotenv = jest.requireActual<typeof import('dotenv')>('dotenv');
  const root = path.resolve(__dirname, '../../..');

  test('documents every variable the config reads', () => {
    const documented = readFileSync(path.join(root, 'env.example'), 'utf8');
    // config.ts and the files it reads groups of variables with (feedback.ts, …).
    const dir = path.join(root, 'server/src/config');
    const source = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    const read = [...source.matchAll(/\b(?:raw|str|bool|num|url|timezone|schedule|oneOf)\('([A-Z_]+)'/g)].map((m) => m[1]);
    expect(read).toContain('WISHLIST_SNS_TOPIC_ARNS');
    expect(read.length).toBeGreaterThan(20);
    expect(read.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(documented))).toEqual([]);
  });

  test('its values are the defaults', () => {
    const values = dotenv.parse(readFileSync(path.join(root, 'env.example'), 'utf8'));
    expect(loadConfig(values)).toEqual(loadConfig({}));
  });
});
