import { createHash } from 'crypto';
import type { Clock } from '../clock';
import type { Db } from '../db/pool';
import { readRegionMailSettings, REGIONS, type Region, type RegionMailSettings } from '../db/regionSettings';
import { errorMessage } from '../errorMessage';
import { maskUrl } from '../maskSecrets';
import type { Logger } from '../logger';
import type { ShopMailEnv } from './shopMailEnv';
import { formatAddress, validRecipient, validSender } from './address';

export type MailSourceKind = 'smtp-url' | 'region-settings' | 'shop-variables' | 'preview' | 'none';

/** What nodemailer.createTransport needs besides the caller's own pool and timeout options. */
export type SmtpTransport =
  | { url: string }
  | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

export interface MailSource {
  region: Region;
  kind: MailSourceKind;
  /** Absent for 'preview' and 'none'. */
  transport?: SmtpTransport;
  /** The From header, RFC 5322 "Name <address>". */
  from: string;
  testMode: boolean;
  testEmail: string | null;
  /** What turned test mode on, for the reason a message is held. */
  testModeBy: string | null;
  /** kind 'none' only: why there is no server, naming what to set. */
  reason?: string;
  /** One line for the boot banner and /status; passwords masked. */
  describe: string;
  /** Equal for equal transports, so they share one connection pool; holds no secret. */
  key: string;
}

export interface MailSourceInputs {
  smtpUrl?: string;
  shopEnv: ShopMailEnv;
  regionSettings: ReadonlyMap<Region, RegionMailSettings>;
  mailFrom: string;
  production: boolean;
}

const DEFAULT_PORT = 587;
const SHOP_TEST_MODE_BY = {
  EMAIL_TEST_MODE: 'EMAIL_TEST_MODE',
  'missing credentials': 'the shop variables: EMAIL_TEST_MODE unset and no SMTP user or password, as the shop reads them',
} as const;

/** Which server, sender and test mode a region's alerts use. Pure: everything comes in `inputs`. */
export function resolveMailSource(region: Region, inputs: MailSourceInputs): MailSource {
  const rs = inputs.regionSettings.get(region);
  const shop = inputs.shopEnv.settings;
  const notes: string[] = [];
  let kind: MailSourceKind;
  let transport: SmtpTransport | undefined;
  let label: string;

  if (inputs.smtpUrl) {
    kind = 'smtp-url';
    transport = { url: inputs.smtpUrl };
    label = 'SMTP_URL';
  } else if (rs?.smtpHost && rs.smtpEnabled) {
    kind = 'region-settings';
    notes.push(...rs.problems.map((p) => `${p}, using ${DEFAULT_PORT}`));
    transport = smtpOptions(rs.smtpHost, rs.smtpPort ?? DEFAULT_PORT, rs.smtpUser, rs.smtpPassword);
    label = `region_settings (${region})`;
  } else if (shop?.host) {
    kind = 'shop-variables';
    transport = smtpOptions(shop.host, shop.port, shop.user, shop.password);
    label = `shop variables (${shop.hostVariable})`;
  } else if (!inputs.production) {
    kind = 'preview';
    label = 'preview folder (no SMTP_URL, region settings or shop mail variables)';
  } else {
    kind = 'none';
    label = 'none';
  }
  if (kind !== 'smtp-url' && rs?.smtpHost && !rs.smtpEnabled) notes.push(`region_settings (${region}) has smtp_host but smtp_enabled is not true`);
  const reason = kind !== 'none' ? undefined : `no mail server for region ${region}: set SMTP_URL, or smtp_host with ` +
    'smtp_enabled=true in region_settings, or SMTP_HOST (the preview folder is not used in production)';

  // The region's test mode holds whatever the server: a staging copy of the shop's
  // database carries it, and must never mail shoppers.
  let testModeBy: string | null = null;
  if (rs?.smtpTestMode) testModeBy = `smtp_test_mode in region_settings (${region})`;
  else if (kind === 'shop-variables' && shop?.testMode) testModeBy = SHOP_TEST_MODE_BY[shop.testModeBy];
  const testMode = testModeBy !== null;
  let testEmail: string | null = null;
  if (rs?.smtpTestEmail && validRecipient(rs.smtpTestEmail) !== rs.smtpTestEmail) {
    // A bad address is not replaced by EMAIL_TEST_EMAIL: the admin meant another mailbox.
    notes.push(`smtp_test_email ${JSON.stringify(rs.smtpTestEmail)} in region_settings (${region}) is not an address`);
  } else {
    testEmail = rs?.smtpTestEmail ?? inputs.shopEnv.testEmail;
  }

  const from = sender(region, rs, kind === 'shop-variables' ? shop : undefined, inputs.mailFrom, notes);
  const where = transport ? `: ${maskedTransport(transport)}` : reason ? `: ${reason}` : '';
  const test = !testMode ? '' : testEmail ? `, test mode → ${testEmail}` : ', test mode with no test address: alerts wait';
  const describe = `${label}${where}, from ${from}${test}${notes.map((n) => `; ${n}`).join('')}`;
  return Object.freeze({ region, kind, transport, from, testMode, testEmail, testModeBy, reason, describe, key: keyOf(kind, transport) });
}

/** Where a message goes: the shopper, the test address (subject marked), or nowhere yet. */
export function testModeRecipient(
  source: Pick<MailSource, 'region' | 'testMode' | 'testEmail' | 'testModeBy'>,
  shopperAddress: string,
): { to: string; subjectPrefix: string } | { hold: string } {
  if (!source.testMode) return { to: shopperAddress, subjectPrefix: '' };
  if (!source.testEmail) {
    return {
      hold: `test mode is on for region ${source.region} (${source.testModeBy ?? 'test mode'}) and there is no test address ` +
        `(smtp_test_email in region_settings or EMAIL_TEST_EMAIL); nothing goes to shoppers in test mode`,
    };
  }
  // The shopper's address ends up in a header: no line breaks or control characters.
  const shown = shopperAddress.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return { to: source.testEmail, subjectPrefix: `[TEST for ${shown}] ` };
}

function smtpOptions(host: string, port: number, user: string | null, password: string | null): SmtpTransport {
  const secure = port === 465; // implicit TLS; on other ports nodemailer upgrades with STARTTLS when offered
  return user ? { host, port, secure, auth: { user, pass: password ?? '' } } : { host, port, secure };
}

function maskedTransport(t: SmtpTransport): string {
  if ('url' in t) return maskUrl(t.url);
  const auth = t.auth ? `${encodeURIComponent(t.auth.user)}${t.auth.pass ? ':***' : ''}@` : '';
  return `${t.secure ? 'smtps' : 'smtp'}://${auth}${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

function keyOf(kind: MailSourceKind, t: SmtpTransport | undefined): string {
  if (!t) return kind;
  // The hash covers the password, so a changed password makes a new transport, without the key showing it.
  const hash = createHash('sha256').update(JSON.stringify(t)).digest('hex').slice(0, 16);
  return 'url' in t ? `smtp-url#${hash}` : `smtp://${t.host}:${t.port}#${hash}`;
}

/** The region's name and address, each falling back on its own: shop variables (their server only), then MAIL_FROM. */
function sender(
  region: Region,
  rs: RegionMailSettings | undefined,
  shop: ShopMailEnv['settings'],
  mailFrom: string,
  notes: string[],
): string {
  let regionEmail = rs?.smtpFromEmail ?? null;
  if (regionEmail && validRecipient(regionEmail) !== regionEmail) {
    notes.push(`smtp_from_email ${JSON.stringify(regionEmail)} in region_settings (${region}) is not an address, not used`);
    regionEmail = null;
  }
  const name = rs?.smtpFromName ?? shop?.fromName ?? null;
  const address = regionEmail ?? shop?.fromEmail ?? null;
  if (name === null && address === null) return mailFrom;
  const fallback = validSender(mailFrom);
  const finalAddress = address ?? fallback?.address;
  return finalAddress ? formatAddress(name ?? fallback?.name ?? '', finalAddress) : mailFrom;
}

export interface MailSourcesOptions {
  db: Db;
  clock: Clock;
  smtpUrl?: string;
  shopEnv: ShopMailEnv;
  mailFrom: string;
  production: boolean;
  /** region_settings is read at most once per this many milliseconds. */
  refreshMs?: number;
  logger: Logger;
}

/**
 * Each region's source, following the shop's admin without a restart: region_settings is
 * re-read (one query for both regions) when the last read is older than refreshMs.
 */
export class MailSources {
  private readonly refreshMs: number;
  private settings: ReadonlyMap<Region, RegionMailSettings> | null = null;
  private readAt = 0;
  private reading: Promise<ReadonlyMap<Region, RegionMailSettings>> | null = null;
  /** Sources resolved from one read of the settings (`resolvedFrom`), so each message does not re-resolve. */
  private resolved = new Map<Region, MailSource>();
  private resolvedFrom: ReadonlyMap<Region, RegionMailSettings> | null = null;
  private failing = false;

  constructor(private readonly opts: MailSourcesOptions) {
    this.refreshMs = opts.refreshMs ?? 60_000;
  }

  async forRegion(region: Region): Promise<MailSource> {
    const settings = await this.current();
    if (this.resolvedFrom !== settings) [this.resolved, this.resolvedFrom] = [new Map(), settings];
    let source = this.resolved.get(region);
    if (!source) {
      const { smtpUrl, shopEnv, mailFrom, production } = this.opts;
      source = resolveMailSource(region, { smtpUrl, shopEnv, mailFrom, production, regionSettings: settings });
      this.resolved.set(region, source);
    }
    return source;
  }

  /** The region's currency (ISO 4217): its `currency` setting, else EUR for eu and USD otherwise, as the shop does. */
  async currency(region: Region): Promise<string> {
    const configured = (await this.current()).get(region)?.currency?.trim().toUpperCase();
    if (configured && /^[A-Z]{3}$/.test(configured)) return configured;
    return region === 'eu' ? 'EUR' : 'USD';
  }

  async describeAll(): Promise<Record<Region, string>> {
    const [us, eu] = await Promise.all(REGIONS.map((r) => this.forRegion(r)));
    return { us: us.describe, eu: eu.describe };
  }

  private current(): Promise<ReadonlyMap<Region, RegionMailSettings>> {
    const now = this.opts.clock.now().getTime();
    // A clock set back counts as stale rather than freezing the settings until it catches up.
    const fresh = this.settings !== null && now >= this.readAt && now - this.readAt < this.refreshMs;
    if (fresh) return Promise.resolve(this.settings!);
    if (!this.reading) this.reading = this.read(now).finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(now: number): Promise<ReadonlyMap<Region, RegionMailSettings>> {
    try {
      const settings = await readRegionMailSettings(this.opts.db);
      if (this.failing) this.opts.logger.info('region_settings can be read again; mail settings follow it');
      this.failing = false;
      this.settings = settings;
      this.readAt = now;
      return settings;
    } catch (err) {
      // Never read: guessing could miss a region's test mode, so the caller waits instead.
      if (this.settings === null) throw err;
      if (!this.failing) this.opts.logger.warn({ err: errorMessage(err) }, 'cannot read region_settings; keeping the mail settings last read');
      this.failing = true;
      this.readAt = now; // retried after refreshMs, not on every message
      return this.settings;
    }
  }
}
