const PASSWORD_KEY = '(?:ssl)?(?:password|passwd|pass|pwd)';
// In free text: a value quoted as libpq quotes it, else up to the next separator.
const PASSWORD_PARAMETER = new RegExp(`((?:^|[?&;"'(,\\s])${PASSWORD_KEY}=)(?:'(?:[^'\\\\]|\\\\.)*'|"[^"]*"|[^&;\\s]*)`, 'gi');
// In a URL: up to the next parameter (quotes and spaces are part of the value there).
const URL_PASSWORD_PARAMETER = new RegExp(`([?&;]${PASSWORD_KEY}=)[^&#]*`, 'gi');
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * A URL given on its own (a variable's value, the database's or the mail server's address)
 * with its password hidden, shown otherwise as given. It is read the way PostgreSQL's and
 * the mail server's drivers read it (the WHATWG URL parser, which pg and nodemailer follow):
 * the user info ends at the authority's last @, so a password with spaces, quotes, an
 * unencoded @ or percent-escapes is one part, hidden whole, as is a `password=` parameter,
 * which runs to the next parameter. A value that does not parse, or whose password holds
 * an unencoded / ? or # (the rest of it then reads as the path), is hidden up to its last
 * @: hiding too much beats showing a piece of it.
 */
export function maskUrl(value: string): string {
  const scheme = SCHEME.exec(value)?.[0] ?? '';
  let url: URL | null = null;
  try {
    url = scheme ? new URL(value) : null;
  } catch {
    url = null;
  }
  const unambiguous = url !== null && !(url.pathname + url.search + url.hash).includes('@');
  const shown = !unambiguous || url!.password ? maskUserinfo(value, scheme.length) : value;
  return shown.replace(URL_PASSWORD_PARAMETER, '$1***');
}

/**
 * Hides every password in a text that may hold a connection string, whatever its form:
 * a URL's `user:password@`, the same without a scheme (`user:password@host`, which
 * `new URL` does not even read as a password), and a `password=` parameter (`?password=`
 * in a URL, libpq's `password=`, quoted or not). For text whose parts are not known (a
 * driver's message); a URL known as one is masked with maskUrl.
 */
export function maskSecrets(text: string): string {
  return text.replace(PASSWORD_PARAMETER, '$1***').replace(/\S+/g, (word) => {
    const scheme = word.indexOf('//');
    return maskUserinfo(word, scheme >= 0 ? scheme + 2 : 0);
  });
}

/** `user:password@` hidden up to the last @ after `start` (the end of the scheme). */
function maskUserinfo(text: string, start: number): string {
  const at = text.lastIndexOf('@');
  const colon = text.indexOf(':', start);
  if (at < start || colon < 0 || colon > at) return text;
  // A slash before the colon means the colon is in a path (https://host/a:b@c), not after a user name.
  if (text.slice(start, colon).includes('/')) return text;
  return `${text.slice(0, colon + 1)}***${text.slice(at)}`;
}
