const PASSWORD_PARAMETER = /((?:^|[?&;"'(,])(?:ssl)?(?:password|passwd|pass|pwd)=)[^&;"']*/gi;

/**
 * Hides every password in a text that may hold a connection string, whatever its form:
 * a URL's `user:password@`, the same without a scheme (`user:password@host`, which
 * `new URL` does not even read as a password), and a `password=` parameter (`?password=`
 * in a URL, libpq's `password=`). The one function for anything printed: config errors,
 * the boot banner, database errors, mail server descriptions.
 */
export function maskSecrets(text: string): string {
  return text.replace(/\S+/g, maskWord);
}

function maskWord(word: string): string {
  const masked = word.replace(PASSWORD_PARAMETER, '$1***');
  const scheme = masked.indexOf('//');
  const start = scheme >= 0 ? scheme + 2 : 0;
  // The last @, not the first: a malformed URL may hold an unencoded @ (or /, ?, #) in its
  // password, and hiding too much beats showing a piece of it.
  const at = masked.lastIndexOf('@');
  const colon = masked.indexOf(':', start);
  if (at < start || colon < 0 || colon > at) return masked;
  // A slash before the colon means the colon is in a path (https://host/a:b@c), not after a user name.
  if (masked.slice(start, colon).includes('/')) return masked;
  return `${masked.slice(0, colon + 1)}***${masked.slice(at)}`;
}
