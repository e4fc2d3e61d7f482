import { maskSecrets } from '../src/maskSecrets';

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
