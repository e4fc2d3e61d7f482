import type { AlertKind, PreferenceKind } from '../domain';

/**
 * Every word a shopper reads in an alert email or on the unsubscribe pages. Add a
 * language by adding an entry to CATALOGUES; the shop's SHOP_LOCALE picks it.
 */
export interface Catalogue {
  subject(kind: AlertKind, firstItem: string, more: number): string;
  digestSubject(count: number): string;
  greeting(firstName: string | null): string;
  intro(kind: AlertKind, count: number): string;
  digestIntro(count: number): string;
  digestHeldNote: string;
  section: Record<AlertKind, string>;
  salePrice(price: string, was: string, percentOff: number): string;
  percentOff(percent: number): string;
  /** A price drop: the new regular price, the one the shopper knew, and how much lower. */
  dropPrice(price: string, was: string, percentLower: number): string;
  percentLower(percent: number): string;
  saleEnds(date: string): string;
  backInStock: string;
  /** A product without a name (bad data): in a subject line, and as the item's title. */
  unnamed: { subject: string; title: string };
  viewItem: string;
  /** A price drop's link stops the item's sale alerts too (one preference, the shop's notify_on_sale). */
  stopItem: Record<AlertKind, string>;
  stopAll: string;
  footer(shopName: string): string;
  manage: string;
  page: {
    confirmTitle: string;
    confirmItem(kind: PreferenceKind, product: string): string;
    confirmAll(recipient: string): string;
    confirmButton: string;
    doneTitle: string;
    doneItem(kind: PreferenceKind, product: string): string;
    doneAll: string;
    invalidTitle: string;
    invalidBody: string;
    /** The page shown when something went wrong on our side (the database is down, say). */
    unavailableTitle: string;
    unavailableBody: string;
  };
}

const en: Catalogue = {
  subject: (kind, first, more) =>
    `${{ sale: 'On sale', price_drop: 'Price drop', stock: 'Back in stock' }[kind]}: ${first}${more > 0 ? ` and ${more} more` : ''} from your wishlist`,
  digestSubject: (count) => `Your wishlist: ${count} ${count === 1 ? 'update' : 'updates'}`,
  greeting: (name) => (name ? `Hi ${name},` : 'Hi,'),
  intro: (kind, count) =>
    ({
      sale: count === 1 ? 'An item on your wishlist just went on sale:' : 'Items on your wishlist just went on sale:',
      price_drop: count === 1 ? 'The price of an item on your wishlist just dropped:' : 'Prices of items on your wishlist just dropped:',
      stock: count === 1 ? 'An item on your wishlist is back in stock:' : 'Items on your wishlist are back in stock:',
    })[kind],
  digestIntro: (count) => (count === 1 ? 'Here is what changed on your wishlist:' : `Here are ${count} changes on your wishlist:`),
  digestHeldNote: 'We gathered these into one email so that you do not get too many.',
  section: { sale: 'On sale', price_drop: 'Price dropped', stock: 'Back in stock' },
  salePrice: (price, was, pct) => `${price} (was ${was}, ${pct}% off)`,
  percentOff: (pct) => `${pct}% off`,
  dropPrice: (price, was, pct) => `${price} (was ${was}, ${pct}% lower)`,
  percentLower: (pct) => `${pct}% lower`,
  saleEnds: (date) => `Sale ends ${date}`,
  backInStock: 'Back in stock now.',
  unnamed: { subject: 'an item', title: 'An item on your wishlist' },
  viewItem: 'View item',
  stopItem: { sale: 'Stop sale alerts for this item', price_drop: 'Stop price alerts for this item', stock: 'Stop stock alerts for this item' },
  stopAll: 'Stop all wishlist alerts',
  footer: (shop) => `You get this email because these items are on your ${shop} wishlist.`,
  manage: 'Manage alerts',
  page: {
    confirmTitle: 'Unsubscribe',
    confirmItem: (kind, product) => `Stop ${kind === 'sale' ? 'sale and price-drop' : 'back-in-stock'} alerts for ${product}?`,
    confirmAll: (recipient) => `Stop all wishlist alerts to ${recipient}?`,
    confirmButton: 'Unsubscribe',
    doneTitle: 'Unsubscribed',
    doneItem: (kind, product) => `You will get no more ${kind === 'sale' ? 'sale or price-drop' : 'back-in-stock'} alerts for ${product}.`,
    doneAll: 'You will get no more wishlist alerts. You can turn them on again in your account.',
    invalidTitle: 'Link not valid',
    invalidBody: 'This unsubscribe link is not valid. Please use the link from the email, or change your alerts in your account.',
    unavailableTitle: 'Please try again later',
    unavailableBody: 'We cannot handle your request right now. Please try again in a few minutes; your link stays valid.',
  },
};

const de: Catalogue = {
  subject: (kind, first, more) =>
    `${{ sale: 'Im Angebot', price_drop: 'Preis gesenkt', stock: 'Wieder verfügbar' }[kind]}: ${first}${more > 0 ? ` und ${more} weitere` : ''} von Ihrer Wunschliste`,
  digestSubject: (count) => `Ihre Wunschliste: ${count} ${count === 1 ? 'Neuigkeit' : 'Neuigkeiten'}`,
  greeting: (name) => (name ? `Hallo ${name},` : 'Hallo,'),
  intro: (kind, count) =>
    ({
      sale: count === 1 ? 'Ein Artikel auf Ihrer Wunschliste ist jetzt im Angebot:' : 'Artikel auf Ihrer Wunschliste sind jetzt im Angebot:',
      price_drop: count === 1 ? 'Der Preis eines Artikels auf Ihrer Wunschliste wurde gesenkt:' : 'Die Preise von Artikeln auf Ihrer Wunschliste wurden gesenkt:',
      stock: count === 1 ? 'Ein Artikel auf Ihrer Wunschliste ist wieder verfügbar:' : 'Artikel auf Ihrer Wunschliste sind wieder verfügbar:',
    })[kind],
  digestIntro: (count) => (count === 1 ? 'Das hat sich auf Ihrer Wunschliste geändert:' : `${count} Änderungen auf Ihrer Wunschliste:`),
  digestHeldNote: 'Wir haben diese Nachrichten zusammengefasst, damit Sie nicht zu viele E-Mails bekommen.',
  section: { sale: 'Im Angebot', price_drop: 'Preis gesenkt', stock: 'Wieder verfügbar' },
  salePrice: (price, was, pct) => `${price} (statt ${was}, ${pct} % Rabatt)`,
  percentOff: (pct) => `${pct} % Rabatt`,
  dropPrice: (price, was, pct) => `${price} (statt ${was}, ${pct} % günstiger)`,
  percentLower: (pct) => `${pct} % günstiger`,
  saleEnds: (date) => `Angebot endet am ${date}`,
  backInStock: 'Jetzt wieder verfügbar.',
  unnamed: { subject: 'ein Artikel', title: 'Ein Artikel auf Ihrer Wunschliste' },
  viewItem: 'Zum Artikel',
  stopItem: {
    sale: 'Keine Angebotshinweise mehr für diesen Artikel',
    price_drop: 'Keine Preishinweise mehr für diesen Artikel',
    stock: 'Keine Verfügbarkeitshinweise mehr für diesen Artikel',
  },
  stopAll: 'Keine Wunschlisten-Hinweise mehr',
  footer: (shop) => `Sie erhalten diese E-Mail, weil diese Artikel auf Ihrer ${shop}-Wunschliste stehen.`,
  manage: 'Hinweise verwalten',
  page: {
    confirmTitle: 'Abmelden',
    confirmItem: (kind, product) => `${kind === 'sale' ? 'Angebots- und Preishinweise' : 'Verfügbarkeitshinweise'} für ${product} abbestellen?`,
    confirmAll: (recipient) => `Alle Wunschlisten-Hinweise an ${recipient} abbestellen?`,
    confirmButton: 'Abbestellen',
    doneTitle: 'Abgemeldet',
    doneItem: (kind, product) => `Sie erhalten keine ${kind === 'sale' ? 'Angebots- und Preishinweise' : 'Verfügbarkeitshinweise'} mehr für ${product}.`,
    doneAll: 'Sie erhalten keine Wunschlisten-Hinweise mehr. In Ihrem Konto können Sie sie wieder einschalten.',
    invalidTitle: 'Link ungültig',
    invalidBody: 'Dieser Abmeldelink ist ungültig. Bitte nutzen Sie den Link aus der E-Mail oder ändern Sie die Hinweise in Ihrem Konto.',
    unavailableTitle: 'Bitte versuchen Sie es später noch einmal',
    unavailableBody: 'Ihre Anfrage kann gerade nicht bearbeitet werden. Bitte versuchen Sie es in einigen Minuten noch einmal; Ihr Link bleibt gültig.',
  },
};

const CATALOGUES: Record<string, Catalogue> = { en, de };

/** The catalogue for a locale's language (de-AT → de), English when there is none. */
export function catalogueFor(locale: string): Catalogue {
  return CATALOGUES[new Intl.Locale(locale).language] ?? en;
}
