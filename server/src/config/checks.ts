/** True when a URL's host is this machine: localhost, *.localhost, 127.x.x.x or ::1. */
export function isLocalAddress(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false; // reported as not a valid URL
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * Why an admin token cannot work, or null. A bearer token travels in a header: whitespace
 * or a control character in it would be cut or refused on the way, so the token could
 * never match. In production a token of few distinct characters (aaaa…, 1234…) is a guess.
 */
export function adminTokenProblem(token: string, production: boolean): string | null {
  if (/[\s\x00-\x1f\x7f-\x9f]/u.test(token)) return 'contains whitespace or control characters: a bearer token must be one word of printable characters';
  if (token.length < 16) return 'too short: use at least 16 characters';
  if (production && new Set(token).size < 10) return 'too guessable: use at least 10 different characters in production (openssl rand -base64 32)';
  return null;
}
