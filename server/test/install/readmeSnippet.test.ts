import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import path from 'path';
import { ROOT } from '../support/spawnTs';

/** The TypeScript block of the README's "Installing into the shop", as a shop would paste it. */
function installSnippet(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Installing into the shop'), readme.indexOf('## What the module installs'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('no ```ts block in the README section "Installing into the shop"');
  return block[1].replace(/^ {3}/gm, '');
}

describe("the README's installation snippet", () => {
  test("compiles against the package's public types, in a shop's start-up with its own pool and app", () => {
    const snippet = installSnippet();
    const imports = snippet.split('\n').filter((l) => l.startsWith('import '));
    const body = snippet.split('\n').filter((l) => !l.startsWith('import '));
    expect(imports.join('\n')).toContain("from 'wishlist-alerts'");
    // Inside the repository (test-artifacts is ignored by git), so the shop's own imports
    // (pg, express) resolve as they would in the shop.
    mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'readme-snippet-'));
    try {
      writeFileSync(path.join(dir, 'shop.ts'), [
        ...imports,
        "import type { Pool } from 'pg';",
        "import type { Express } from 'express';",
        '',
        'export async function startShop(pool: Pool, app: Express): Promise<void> {',
        ...body.map((l) => `  ${l}`),
        '}',
      ].join('\n'));
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true,
          types: ['node'],
          paths: { 'wishlist-alerts': [path.join(ROOT, 'server/src/public.ts')] },
        },
        files: [path.join(dir, 'shop.ts')],
      }));
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      let out = '';
      try {
        execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      } catch (err) {
        out = String((err as { stdout?: string }).stdout ?? err);
      }
      expect(out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
