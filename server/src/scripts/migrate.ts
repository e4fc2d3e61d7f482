/** Applies pending migrations to the configured database (npm run migrate). */
import { migrate } from '../db/migrate';
import { runScript } from './runScript';

runScript('Migration', async ({ pool, logger }) => {
  const applied = await migrate(pool, logger);
  console.log(applied.length ? `Applied ${applied.length} migration(s).` : 'The database is up to date.');
}, { migrate: false });
