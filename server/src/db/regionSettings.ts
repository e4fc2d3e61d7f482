import type { Db } from './pool';

import { Region, REGIONS } from '../domain';

export type { Region };
export { REGIONS };

/** A region's mail keys from the shop's region_settings; an empty or blank value reads as null. */
export interface RegionMailSettings {
  smtpHost: string | null;
  /** null when unset or not a port number (see problems). */
  smtpPort: number | null;
  smtpUser: string | null;
  smtpPassword: string | null;
  smtpFromEmail: string | null;
  smtpFromName: string | null;
  smtpEnabled: boolean;
  smtpTestMode: boolean;
  smtpTestEmail: string | null;
  currency: string | null;
  /** Values that could not be used, naming the key (never showing a password). */
  problems: string[];
}

const KEYS = [
  'smtp_host',
  'smtp_port',
  'smtp_user',
  'smtp_password',
  'smtp_from_email',
  'smtp_from_name',
  'smtp_enabled',
  'smtp_test_mode',
  'smtp_test_email',
  'currency',
] as const;

const UNDEFINED_TABLE = '42P01';

/** As the shop's RegionSettingsService reads a boolean: 'true' or '1'. Case and spaces are forgiven. */
export function regionBoolean(value: string | null | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return v === 'true' || v === '1';
}

/**
 * Reads both regions' mail keys in one query. A shop without the table (an older schema)
 * has no region settings, which is not an error.
 */
export async function readRegionMailSettings(db: Db): Promise<Map<Region, RegionMailSettings>> {
  let rows: { region: string; setting_key: string; setting_value: string | null }[];
  try {
    ({ rows } = await db.query(
      `SELECT region, setting_key, setting_value FROM region_settings
        WHERE region = ANY($1::text[]) AND setting_key = ANY($2::text[])`,
      [REGIONS, KEYS],
    ));
  } catch (err) {
    if ((err as { code?: string } | null)?.code === UNDEFINED_TABLE) return new Map();
    throw err;
  }

  const byRegion = new Map<Region, Map<string, string | null>>();
  for (const row of rows) {
    const region = row.region.trim().toLowerCase() as Region;
    if (!REGIONS.includes(region)) continue;
    if (!byRegion.has(region)) byRegion.set(region, new Map());
    byRegion.get(region)!.set(row.setting_key, row.setting_value);
  }

  const result = new Map<Region, RegionMailSettings>();
  for (const [region, values] of byRegion) result.set(region, parse(values));
  return result;
}

function parse(values: Map<string, string | null>): RegionMailSettings {
  const problems: string[] = [];
  const text = (key: string): string | null => {
    const v = values.get(key);
    return v === undefined || v === null || v.trim() === '' ? null : v.trim();
  };
  let smtpPort: number | null = null;
  const port = text('smtp_port');
  if (port !== null) {
    const n = Number(port);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) smtpPort = n;
    else problems.push(`smtp_port ${JSON.stringify(port)} is not a port number`);
  }
  const password = values.get('smtp_password');
  return {
    smtpHost: text('smtp_host'),
    smtpPort,
    smtpUser: text('smtp_user'),
    // Not trimmed: a password may end in a space; only a blank one is unset.
    smtpPassword: password === undefined || password === null || password.trim() === '' ? null : password,
    smtpFromEmail: text('smtp_from_email'),
    smtpFromName: text('smtp_from_name'),
    smtpEnabled: regionBoolean(values.get('smtp_enabled')),
    smtpTestMode: regionBoolean(values.get('smtp_test_mode')),
    smtpTestEmail: text('smtp_test_email'),
    currency: text('currency'),
    problems,
  };
}
