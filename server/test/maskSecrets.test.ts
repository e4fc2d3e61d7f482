import { maskSecrets, maskUrl } from '../src/maskSecrets';

describe('maskSecrets', () => {
  test.each([
    ['postgres://shop:hunter2@db.example:5432/shop', 'postgres://shop:***@db.example:5432/shop'],
    ['postgres://db.example/shop?password=hunter2', 'postgres://db.example/shop?password=***'],
    ['postgres://shop@db.example/shop?sslmode=require&password=hunter2&application_name=x', 'postgres://shop@db.example/shop?sslmode=require&password=***&application_name=x'],
    ['user:hunter2@mail.example:25', 'user:***@mail.example:25'],
    ['smtp://:hunter2@mail.example', 'smtp://:***@mail.example'],
    ['smtp://user:hun@ter/2@mail.example:587', 'smtp://user:***@mail.example:587'],
    ['host=db password=hunter2 dbname=shop', 'host=db password=*** dbname=shop'],
    ['SMTP_URL="user:hunter2@mail.example:25": not a valid URL', 'SMTP_URL="user:***@mail.example:25": not a valid URL'],
    ['cannot reach PostgreSQL at postgres://u:hunter2@127.0.0.1:1/shop (connect ECONNREFUSED)', 'cannot reach PostgreSQL at postgres://u:***@127.0.0.1:1/shop (connect ECONNREFUSED)'],
  ])('hides the password in %s', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
    expect(maskSecrets(text)).not.toContain('hunter2');
  });

  test.each([
    'https://shop.example/product/a:b@c',
    'Wishlist Alerts <wishlist@shop.example>',
    'postgres://shop@db.example:5432/shop',
    'expected a smtp:// or smtps:// URL',
  ])('leaves %s as it is', (text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});

/**
 * Passwords as shops really write them: spaces, quotes, an unencoded @, percent-escapes.
 * Each is hidden whole, in every form (as typed, percent-encoded, decoded).
 */
const HARD_PASSWORDS = ['My Smtp Pass', 'ab"cd', "it's a 'pw'", 'p@ss@word', 'p%40ss%20w0rd', 'x y"z@w%25q'];

function forms(password: string): string[] {
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // not an escape sequence: as typed
  }
  return [...new Set([password, decoded, encodeURIComponent(decoded), new URL(`smtp://u:${password}@h`).password])]
    .flatMap((f) => [f, ...f.split(/[\s@"']+/).filter((piece) => piece.length >= 3)]);
}

describe('maskUrl: a URL read from its parsed parts', () => {
  test.each(HARD_PASSWORDS)('the password %j in the user info is hidden whole', (password) => {
    const url = `smtp://mailuser:${password}@mail.example:2526`;
    expect(maskUrl(url)).toBe('smtp://mailuser:***@mail.example:2526');
    const masked = maskUrl(`postgres://shop:${password}@db.example:5432/shop?sslmode=require`);
    expect(masked).toBe('postgres://shop:***@db.example:5432/shop?sslmode=require');
    for (const f of forms(password)) expect(masked.includes(f) && !'shop db.example sslmode require'.includes(f)).toBe(false);
  });

  test.each(HARD_PASSWORDS)('the password %j in a password= parameter is hidden whole', (password) => {
    const masked = maskUrl(`postgres://shop@db.example/shop?sslmode=require&password=${password}&application_name=x`);
    expect(masked).toBe('postgres://shop@db.example/shop?sslmode=require&password=***&application_name=x');
    const text = maskSecrets(`postgres://shop@db.example/shop?password=${password}`);
    expect(text).not.toContain(password);
  });

  test('a password with an unencoded slash (read as the path) or a value that is no URL: hidden up to the last @', () => {
    expect(maskUrl('smtp://user:hun@ter/2@mail.example:587')).toBe('smtp://user:***@mail.example:587');
    expect(maskUrl('user:My Secret@mail.example:25')).toBe('user:***@mail.example:25');
    expect(maskUrl('postgres://u:p w@[::1/db')).toBe('postgres://u:***@[::1/db');
  });

  test('a URL without a password is shown as it is', () => {
    expect(maskUrl('https://simfab.example/shop')).toBe('https://simfab.example/shop');
    expect(maskUrl('postgres://shop@db.example:5432/shop')).toBe('postgres://shop@db.example:5432/shop');
  });

  test('maskSecrets on free text: a quoted libpq password with spaces is hidden whole', () => {
    expect(maskSecrets(`host=db password='My Pass' dbname=shop`)).toBe('host=db password=*** dbname=shop');
    expect(maskSecrets('host=db password="ab cd" dbname=shop')).toBe('host=db password=*** dbname=shop');
  });
});
