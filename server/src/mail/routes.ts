import type { Region } from '../domain';
import type { Mailer } from './mailer';

/** Where a region's alerts go now: the mailer, the sender, and test mode's address. */
export interface MailRoute {
  mailer: Mailer;
  from: string;
  /** Test mode: every email of the region goes here instead of the shopper's address. */
  testRecipient: string | null;
}

/** A region's mail as delivery sees it: a route, or why its messages wait; and its currency. */
export type RegionMail = { currency: string } & ({ route: MailRoute } | { hold: string });

/** Resolves each region's mail from the shop's settings (see mailSources.ts). */
export interface MailRouter {
  forRegion(region: Region): Promise<RegionMail>;
  /** One line per region for the boot banner and /status (passwords masked). */
  describe(): Promise<Record<Region, string>>;
  /**
   * The regions with no mail server (their alerts would wait forever): only in production,
   * where the preview folder is never used. The server refuses to boot with any.
   */
  unconfigured(): Promise<Region[]>;
  /** The .eml file a message was written to, when it went to the preview folder. */
  previewFile(messageId: string): string | null;
  /** True once some region's mail goes to the preview folder (the console then links to the files). */
  previewing(): boolean;
  close(): Promise<void>;
}
