import type { envReader } from './envReader';

/** The campaign tags on an alert's links to the shop (its visitor_sessions keep utm_* per session). */
export interface UtmSettings {
  /** WISHLIST_UTM_ENABLED=false: links go out untagged. */
  enabled: boolean;
  source: string;
  medium: string;
}

/** What counts as proof that an alert sold (docs/design.md, "Proof"). */
export interface ProofSettings {
  utm: UtmSettings;
  /** An order counts for an alert when placed within this many days after the email was accepted. */
  attributionDays: number;
}

// What analytics tools accept as a tag and what survives a URL untouched: no spaces, no '&' or '='.
const TAG = /^[A-Za-z0-9._~-]{1,100}$/;

/** The proof variables, read with the config's own readers (a bad value joins its one error). */
export function readProofSettings({ str, bool, num, bad }: Pick<ReturnType<typeof envReader>, 'str' | 'bool' | 'num' | 'bad'>): ProofSettings {
  const source = str('WISHLIST_UTM_SOURCE', 'wishlist-alert');
  const medium = str('WISHLIST_UTM_MEDIUM', 'email');
  for (const [name, value] of [['WISHLIST_UTM_SOURCE', source], ['WISHLIST_UTM_MEDIUM', medium]]) {
    if (!TAG.test(value)) bad(name, value, 'expected 1 to 100 letters, digits, dots, dashes, underscores or tildes (e.g. wishlist-alert)');
  }
  return {
    utm: { enabled: bool('WISHLIST_UTM_ENABLED', true), source, medium },
    attributionDays: num('WISHLIST_ATTRIBUTION_DAYS', 7, { integer: true, min: 1, max: 90 }),
  };
}
