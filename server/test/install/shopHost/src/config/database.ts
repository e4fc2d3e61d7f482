// The shop's one Pool, as its server/src/config/database.ts makes it: DATABASE_URL, no session settings.
import { Pool } from 'pg';

export const pool = new Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (err) => console.error('PostgreSQL idle client error:', err.message));
