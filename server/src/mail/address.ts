// One plain address: a dot-atom local part and a hostname. No display name, no list, no
// quoting, no comments, nothing a mail header could be smuggled in with.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * The address if it is exactly one syntactically valid address (after trimming), else
 * null: for shoppers, and for every address the settings name (senders, test addresses). The shop stores users.email as typed, so it may hold anything: a list, a
 * display name, line breaks. Such an address is never used, not even in part.
 */
export function validRecipient(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const address = raw.trim();
  if (address.length === 0 || address.length > 254) return null;
  const at = address.lastIndexOf('@');
  if (at < 1 || address.indexOf('@') !== at) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1])) return null;
  return address;
}

export const INVALID_RECIPIENT = 'invalid recipient address';

/** "Name <address>", quoting the name when it holds anything beyond letters, digits and the like. */
export function formatAddress(name: string, address: string): string {
  const clean = name.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return address;
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(clean)) return `${clean} <${address}>`;
  return `"${clean.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

/**
 * A sender as MAIL_FROM gives it: one address, alone (`alerts@shop.example`) or with a
 * display name (`Shop Alerts <alerts@shop.example>`, `"Shop, Inc." <alerts@shop.example>`),
 * the address passing the one address check above. Null for anything else: a list, a
 * second address, a name with unquoted specials, and any control character (a line break
 * would start a header of its own, Bcc: say).
 */
export function validSender(raw: string | null | undefined): { name: string; address: string } | null {
  if (typeof raw !== 'string' || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(raw)) return null;
  const value = raw.trim();
  const angle = /^(.*?)\s*<([^<>]*)>$/.exec(value);
  if (!angle) return validRecipient(value) === value ? { name: '', address: value } : null;
  const address = angle[2];
  if (validRecipient(address) !== address) return null;
  let name = angle[1].trim();
  if (/^".*"$/.test(name)) {
    name = name.slice(1, -1);
    if (/(^|[^\\])"/.test(name)) return null;
    name = name.replace(/\\(.)/g, '$1');
  } else if (/[<>"@,;:\\()[\]]/.test(name)) {
    return null; // specials need quotes
  }
  return { name, address };
}

/**
 * The text with every address in it masked as admins see them (j***@example.com): mail
 * servers and providers name the recipient in their replies, and those go to the log and
 * the admin's lists.
 */
export function maskAddressesIn(text: string): string {
  return text.replace(/[^\s<>()[\]"',;:@]+@([A-Za-z0-9.-]+[A-Za-z0-9])/g, (whole, domain: string) => `${whole[0]}***@${domain}`);
}
