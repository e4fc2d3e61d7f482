/**
 * The package's public entry: what a host application (the shop's monolith) imports from
 * 'wishlist-alerts'. See the README, "Installing into the shop".
 */
export { createWishlistAlerts } from './wishlistAlerts';
export type { WishlistAlerts, WishlistAlertsConfig, WishlistAlertsDeps } from './wishlistAlerts';
export { loadConfig, ConfigError } from './config/config';
export type { Config, JobName } from './config/config';
export { CronService } from './jobs/CronService';
export type { FinishedRun, JobView, RunCoordinator } from './jobs/CronService';
export { PgRunCoordinator } from './jobs/PgRunCoordinator';
export { createSmtpMailer } from './mail/mailer';
export type { Mailer, OutgoingMail, SentMail, SendOptions, SmtpServer } from './mail/mailer';
export { migrate } from './db/migrate';
export { shopSessionAccess } from './http/access';
export type { AdminAccess, AdminCaller } from './http/access';
export { createLogger } from './logger';
export type { Logger } from './logger';
export type { NotificationResult } from './services/WishlistNotificationService';
export type { AlertKind, Region, RunTrigger } from './domain';
