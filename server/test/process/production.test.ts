import { mkdtempSync } from 'fs';
import os from 'os';
import path from 'path';
import { setRegionSetting } from '../support/factories';
import { processFixture } from '../support/processFixture';
import { LISTENING, startServer } from '../support/serverProcess';
import { spawnTs } from '../support/spawnTs';

const PRODUCTION = {
  NODE_ENV: 'production',
  ADMIN_API_TOKEN: 'production-test-token-0123456789',
  UNSUBSCRIBE_SECRET: 'production-test-unsubscribe-secret-0123456789',
  PUBLIC_URL: 'https://alerts.simfab.example',
  FRONTEND_URL: 'https://simfab.example',
  FRONTEND_URL_EU: 'https://simfab.example.eu',
  WISHLIST_SALE_CHECK_ENABLED: 'false',
  WISHLIST_STOCK_CHECK_ENABLED: 'false',
};

// Real processes, each compiling the server as it boots: on a loaded machine (other suites
// on the same two cores) a boot can outlast jest's default 30 s. What is checked is unchanged.
jest.setTimeout(120_000);

describe('NODE_ENV=production refuses to start what cannot work', () => {
  const f = processFixture('all');

  async function boot(env: Record<string, string>) {
    const proc = spawnTs('server/src/index.ts', {
      ...PRODUCTION, DATABASE_URL: f.db.url, PORT: '0', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wl-data-')), ...env,
    });
    // A server that starts after all is stopped at once, not waited for.
    proc.waitFor(LISTENING, 30_000).then(() => proc.child.kill('SIGKILL'), () => undefined);
    return { code: await proc.exited, output: proc.output() };
  }

  test('with no mail server for a store (no SMTP_URL, no region_settings server, no SMTP_HOST), it exits 1 naming SMTP_URL and the store', async () => {
    let { code, output } = await boot({});
    expect(code).toBe(1);
    expect(output).toContain('❌ Failed to start: no mail server for the US and EU stores');
    expect(output).toContain('set SMTP_URL');
    expect(output).not.toContain('listening');

    await setRegionSetting(f.db.pool, 'us', 'smtp_host', '127.0.0.1');
    await setRegionSetting(f.db.pool, 'us', 'smtp_port', String(f.sink.port));
    ({ code, output } = await boot({}));
    expect(code).toBe(1);
    expect(output).toContain('❌ Failed to start: no mail server for the EU store (NODE_ENV=production never uses the preview folder): set SMTP_URL');
    await setRegionSetting(f.db.pool, 'us', 'smtp_host', '');
  });

  test.each([
    ['SMTP_URL', () => ({ SMTP_URL: f.sink.url })],
    ["the shop's SMTP_HOST", () => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(f.sink.port), EMAIL_TEST_MODE: 'false' })],
  ])('with %s it starts', async (_name, env) => {
    const server = await startServer({ ...PRODUCTION, DATABASE_URL: f.db.url, ...env() });
    f.servers.push(server);
    expect((await server.get('/healthz')).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  test('a storefront or public address on this machine stops the boot, naming the variable', async () => {
    const { code, output } = await boot({ SMTP_URL: f.sink.url, FRONTEND_URL_EU: 'https://127.0.0.1:5173', PUBLIC_URL: 'https://shop.localhost' });
    expect(code).toBe(1);
    expect(output).toContain('FRONTEND_URL_EU="https://127.0.0.1:5173": is this machine');
    expect(output).toContain('PUBLIC_URL="https://shop.localhost": is this machine');
    expect(output).not.toContain('listening');
  });
});
