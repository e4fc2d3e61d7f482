import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: process.env.WL_TEST_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${process.env.WL_TEST_TEMPLATE} WITH (FORCE)`);
  await admin.end();
  const embedded = (globalThis as any).__wishlistEmbedded;
  if (embedded) await embedded.stop();
}
