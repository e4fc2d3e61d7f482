import type { AlertKind } from '../../domain';

/** Everything a template shows, already worded and formatted; templates only lay it out. */
export interface AlertView {
  lang: string;
  subject: string;
  greeting: string;
  intro: string;
  /** Why a digest came: the daily cap held these back. */
  note: string | null;
  sections: SectionView[];
  shopName: string;
  shopUrl: string;
  /** The shop's logo (its template's header image), absolute. */
  logoUrl: string | null;
  viewLabel: string;
  footer: string;
  manageLabel: string;
  manageUrl: string;
  stopAllLabel: string;
  stopAllUrl: string;
}

export interface SectionView {
  kind: AlertKind;
  /** Shown in a digest, where sales, price drops and restocks come together. */
  heading: string | null;
  items: ItemView[];
}

export interface ItemView {
  name: string;
  url: string;
  /** The product's image, absolute. */
  imageUrl: string | null;
  /** Sale: the price, the regular price and the percentage off; a price drop: the new price, the one before and how much lower. */
  sale: { price: string; was: string; percentOff: string; line: string } | null;
  /** "Back in stock now." for a restock. */
  status: string | null;
  endsLine: string | null;
  stopLabel: string;
  stopUrl: string;
}
