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
