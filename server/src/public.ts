/**
 * The package's public entry: what a host application (the shop's monolith) imports from
 * 'wishlist-alerts'. See the README, "Installing into the shop". Every name carries the
 * module's own prefix, so none can clash with a host's (the shop has a CronService, a
 * WishlistNotificationService and a logger of its own).
 */
export { installWishlistAlerts } from './install';
export type { InstallOptions, InstalledWishlistAlerts } from './install';

// The lower-level pieces, for a host that wires the module itself.
export { createWishlistAlerts } from './wishlistAlerts';
export type { WishlistAlerts, WishlistAlertsConfig, WishlistAlertsDeps } from './wishlistAlerts';
export { loadConfig as loadWishlistAlertsConfig, ConfigError as WishlistAlertsConfigError } from './config/config';
export type { Config as WishlistAlertsSettings, JobName as WishlistJobName } from './config/config';
export { CronService as WishlistJobScheduler } from './jobs/CronService';
export type { FinishedRun, JobView, RunCoordinator } from './jobs/CronService';
export { PgRunCoordinator as WishlistRunCoordinator } from './jobs/PgRunCoordinator';
export { createSmtpMailer } from './mail/mailer';
export type { Mailer, OutgoingMail, SentMail, SendOptions, SmtpServer } from './mail/mailer';
export { migrate as migrateWishlistAlerts } from './db/migrate';
export { shopSessionAccess } from './http/access';
export type { AdminAccess, AdminCaller } from './http/access';
export { createLogger as createWishlistAlertsLogger } from './logger';
export type { Logger } from './logger';
export type { NotificationResult } from './services/WishlistNotificationService';
export type { AlertKind, Region, RunTrigger } from './domain';
