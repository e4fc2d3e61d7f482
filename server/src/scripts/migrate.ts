/** Applies pending migrations to the configured database (npm run migrate). */
import { prepareDatabase } from '../localDefaults';
import { runScript } from './runScript';

runScript('Migration', async ({ pool, logger, config }) => {
  const applied = await prepareDatabase(pool, config, logger);
  console.log(applied.length ? `Applied ${applied.length} migration(s).` : 'The database is up to date.');
}, { migrate: false });
