import type { AlertView, ItemView, SectionView } from './view';

function item(i: ItemView, viewLabel: string): string {
  return [
    `- ${i.name}`,
    i.sale ? `  ${i.sale.line}` : `  ${i.status}`,
    ...(i.endsLine ? [`  ${i.endsLine}`] : []),
    `  ${viewLabel}: ${i.url}`,
    `  ${i.stopLabel}: ${i.stopUrl}`,
  ].join('\n');
}

function section(s: SectionView, viewLabel: string): string {
  const body = s.items.map((i) => item(i, viewLabel)).join('\n\n');
  return s.heading ? `${s.heading.toUpperCase()}\n\n${body}` : body;
}

/** The plain-text part of an alert or digest email. */
export function alertText(v: AlertView): string {
  return [
    `${v.shopName} — ${v.shopUrl}`,
    '',
    v.greeting,
    '',
    v.intro,
    ...(v.note ? ['', v.note] : []),
    '',
    v.sections.map((s) => section(s, v.viewLabel)).join('\n\n'),
    '',
    '--',
    v.footer,
    `${v.manageLabel}: ${v.manageUrl}`,
    `${v.stopAllLabel}: ${v.stopAllUrl}`,
    '',
  ].join('\n');
}
