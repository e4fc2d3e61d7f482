/**
 * npm run mail:preview — writes sample sale, price-drop, stock and digest emails (HTML, text and the
 * full .eml with headers) to DATA_DIR/preview/ for design review. Fixed sample data; the
 * shop's own SHOP_NAME, FRONTEND_URL(_EU) and SHOP_LOCALE; the digest is the EU store's, in euros.
 * No database needed.
 */
import 'dotenv/config';
import { mkdirSync, writeFileSync } from 'fs';
import path from 'path';
import nodemailer from 'nodemailer';
import { ConfigError, loadConfig } from '../config/config';
import { AlertEmailInput, AlertItem, createAlertRenderer, mailSettingsFrom } from '../mail/render';
import { errorMessage } from '../errorMessage';
import { MESSAGE_DEFAULTS } from '../mail/mailer';

const ends = new Date(Date.UTC(2026, 11, 24, 23, 0));
const SALE: AlertItem[] = [
  { kind: 'sale', wishlistId: 101, productId: 1, name: 'Direct Drive Racing Wheel', slug: 'direct-drive-racing-wheel', regularPrice: '1299.00', salePrice: '999.00', saleEndsAt: ends },
  { kind: 'sale', wishlistId: 102, productId: 2, name: 'Aluminium Cockpit "Pro" <80/20>', slug: 'aluminium-cockpit', regularPrice: '649.00', salePrice: '519.20', saleEndsAt: null },
];
const DROP: AlertItem[] = [
  { kind: 'price_drop', wishlistId: 104, productId: 4, name: 'Motion Platform', slug: 'motion-platform', regularPrice: '999.99', previousPrice: '1199.99', salePrice: null, saleEndsAt: null },
];
const STOCK: AlertItem[] = [
  { kind: 'stock', wishlistId: 103, productId: 3, name: 'Load Cell Pedals', slug: 'load-cell-pedals', regularPrice: '399.00', salePrice: null, saleEndsAt: null },
];
const SAMPLES: Record<string, AlertEmailInput> = {
  sale: { userId: 1, firstName: 'Alex', digest: false, items: SALE, region: 'us', currency: 'USD', header: { image: '/SimFab-logo-red-black-min-crop.svg', title: 'SimFab' } },
  drop: { userId: 1, firstName: 'Alex', digest: false, items: DROP, region: 'us', currency: 'USD' },
  stock: { userId: 1, firstName: null, digest: false, items: STOCK, region: 'us', currency: 'USD' },
  digest: { userId: 1, firstName: 'Alex', digest: true, items: [...SALE, ...DROP, ...STOCK], region: 'eu', currency: 'EUR' },
};

async function main(): Promise<void> {
  const config = loadConfig();
  // Links in previews are for looking at, not for use.
  const render = createAlertRenderer(mailSettingsFrom(config, 'preview-only-secret-not-used-by-the-server'));
  const dir = path.resolve(config.dataDir, 'preview');
  mkdirSync(dir, { recursive: true });
  const eml = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, MESSAGE_DEFAULTS);
  for (const [name, input] of Object.entries(SAMPLES)) {
    const mail = render(input);
    writeFileSync(path.join(dir, `${name}.html`), mail.html);
    writeFileSync(path.join(dir, `${name}.txt`), mail.text);
    const info = await eml.sendMail({ from: config.mailFrom, to: 'alex@example.com', ...mail, messageId: `<preview-${name}@preview>` });
    writeFileSync(path.join(dir, `${name}.eml`), info.message as Buffer);
    console.log(`📝 ${name.padEnd(6)} "${mail.subject}"  →  ${path.relative(process.cwd(), path.join(dir, `${name}.html`))} (.txt, .eml)`);
  }
  console.log(`\nOpen the .html files in a browser, or the .eml files in a mail client.`);
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `❌ Mail preview failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
