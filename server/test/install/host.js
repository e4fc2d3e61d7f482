// A host shaped like the shop's server/src/index.ts: its own Pool, its own Express 4 app
// and routes, and the wishlist-alerts package mounted into it as the README's
// "Installing into the shop" says. The installation test runs this file from a folder
// where the package was installed from `npm pack`.
const express = require('express');
const session = require('express-session');
const { Pool } = require('pg');
const { CronService, PgRunCoordinator, createLogger, createWishlistAlerts, loadConfig, migrate } = require('wishlist-alerts');

async function main() {
  // The shop's own infrastructure.
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  pool.on('error', (err) => console.error('PostgreSQL idle client error:', err.message));
  const app = express();
  app.use(express.json());
  // The shop's sign-in keeps userId and the user's authorities in an express-session
  // session (in PostgreSQL, with connect-pg-simple, in the shop; in memory here).
  app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
  app.get('/api/health', (_req, res) => res.json({ status: 'ok' }));
  // A stand-in for the shop's login (its authController), for this test only.
  app.post('/test/sign-in', (req, res) => {
    req.session.userId = req.body.userId;
    req.session.authorities = req.body.authorities;
    res.json({ signedIn: true });
  });

  // Wishlist alerts: the module's own migrations, its jobs on its CronService, its routers.
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  await migrate(pool, logger);
  const cron = new CronService({
    logger,
    coordinator: new PgRunCoordinator(pool, config.instanceId, config.leaseMs),
    missedRunPolicy: config.missedRunPolicy,
  });
  const alerts = createWishlistAlerts({ pool, logger, cron, config, access: 'shop-session' });
  for (const name of ['admin', 'console', 'unsubscribe', 'metrics', 'health']) app.use(alerts.paths[name], alerts.routers[name]);

  const server = app.listen(Number(process.env.PORT || 0), () => console.log(`shop listening on ${server.address().port}`));
  // As the README says: the scheduled checks, then the watch.
  cron.start().catch((err) => logger.error({ err }, 'Catching up on missed runs failed'));
  alerts.start();

  process.once('SIGTERM', async () => {
    server.close();
    await cron.stop(30_000);
    await alerts.close();
    await pool.end();
    process.exit(0);
  });
}

main().catch((err) => {
  console.error('The shop failed to start:', err);
  process.exit(1);
});
