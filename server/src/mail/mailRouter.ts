import type { Logger } from '../logger';
import { REGIONS, type Region } from '../domain';
import { createPreviewMailer, createSmtpMailer, Mailer } from './mailer';
import { MailSource, MailSources, testModeRecipient } from './mailSources';
import type { MailRouter } from './routes';

/**
 * Each region's mail as the shop's settings say now (MailSources re-reads them at most
 * once a minute). One mailer per distinct server: regions that share a server share its
 * connection pool, and a server no region uses any more (its settings changed) has its
 * pool closed. A send caught in that moment fails as the mail server going away does,
 * and is retried.
 */
export function createMailRouter(deps: {
  sources: MailSources;
  smtpPoolSize: number;
  /** The preview folder (development only; MailSources never picks it in production). */
  previewDir: string;
  logger: Logger;
  /** A host's own mailer: used for every region in place of the resolved server; senders and test mode still follow the shop. */
  mailer?: Mailer;
  /** Why no alert may go out now (EMAIL_ENABLED=false, WISHLIST_MAIL_ENABLED=false), or null. */
  switchedOff?: string | null;
}): MailRouter {
  const switchedOff = deps.switchedOff ?? null;
  const mailers = new Map<string, Mailer>();
  const inUse = new Map<Region, string>();
  const mailerFor = (source: MailSource): Mailer => {
    if (deps.mailer) return deps.mailer;
    const key = source.kind === 'preview' ? 'preview' : source.key;
    const before = inUse.get(source.region);
    inUse.set(source.region, key);
    if (before && before !== key && ![...inUse.values()].includes(before)) {
      const old = mailers.get(before);
      mailers.delete(before);
      old?.close().catch(() => undefined);
    }
    let mailer = mailers.get(key);
    if (!mailer) {
      mailer = source.kind === 'preview'
        ? createPreviewMailer(deps.previewDir, deps.logger)
        : createSmtpMailer(source.transport!, { poolSize: deps.smtpPoolSize });
      mailers.set(key, mailer);
    }
    return mailer;
  };
  return {
    async forRegion(region: Region) {
      const [source, currency] = await Promise.all([deps.sources.forRegion(region), deps.sources.currency(region)]);
      if (switchedOff) return { currency, hold: switchedOff };
      if (source.kind === 'none') return { currency, hold: source.reason ?? source.describe };
      const test = testModeRecipient(source, '');
      if ('hold' in test) return { currency, hold: test.hold };
      return {
        currency,
        route: { mailer: mailerFor(source), from: source.from, testRecipient: source.testMode ? test.to : null },
      };
    },
    async describe() {
      const all = await deps.sources.describeAll();
      const before = [switchedOff && `SWITCHED OFF (${switchedOff})`, deps.mailer && `the host's mailer (${deps.mailer.describe()})`]
        .filter(Boolean).join('; ');
      if (!before) return all;
      return { us: `${before}; ${all.us}`, eu: `${before}; ${all.eu}` };
    },
    async unconfigured() {
      if (deps.mailer) return [];
      const sources = await Promise.all(REGIONS.map((r) => deps.sources.forRegion(r)));
      return sources.filter((s) => s.kind === 'none').map((s) => s.region);
    },
    previewFile(messageId: string) {
      for (const m of deps.mailer ? [deps.mailer] : mailers.values()) {
        const file = m.previewFile?.(messageId);
        if (file) return file;
      }
      return null;
    },
    previewing: () => Boolean(deps.mailer?.previewFile) || mailers.has('preview'),
    async close() {
      await Promise.all([...mailers.values()].map((m) => m.close()));
      mailers.clear();
    },
  };
}
