import { execFileSync } from 'child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { ROOT } from '../support/spawnTs';

/**
 * The shop's own server dependencies, at the versions its lockfile holds (SCHEMA.md §8):
 * the host is built with these before the module is installed.
 */
export const SHOP_DEPENDENCIES: Record<string, string> = {
  express: '4.21.2',
  'express-session': '1.18.2',
  'connect-pg-simple': '9.0.1',
  pg: '8.16.3',
  'node-cron': '4.2.1',
  nodemailer: '7.0.10',
  cors: '2.8.5',
  typescript: '5.9.3',
  '@types/express': '4.17.23',
  '@types/express-session': '1.18.2',
  '@types/connect-pg-simple': '7.0.3',
  '@types/cors': '2.8.19',
  '@types/pg': '8.15.5',
  '@types/node': '20.19.15',
};

export const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The host's direct dependencies and the version installed of each. */
export function directVersions(dir: string): Record<string, string> {
  const tree = JSON.parse(npm(['ls', '--depth=0', '--json'], dir)) as { dependencies: Record<string, { version: string }> };
  return Object.fromEntries(Object.entries(tree.dependencies).map(([name, d]) => [name, d.version]));
}

/** The section "Installing into the shop" of the README, and its ```ts blocks in order. */
export function readmeInstallation(): { text: string; blocks: string[] } {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Installing into the shop');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0) throw new Error('no section "## Installing into the shop" in the README');
  const text = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => dedent(m[1]));
  return { text, blocks };
}

/** A block as pasted: the list item's indentation taken off. */
function dedent(block: string): string {
  const lines = block.replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/**
 * What the README tells the shop to delete from its index.ts (its own wishlist notifier),
 * each as the README names it: the host's copy loses exactly these.
 */
export const DELETIONS = {
  lines: [
    "import { WishlistNotificationService } from './services/WishlistNotificationService';",
    'const wishlistNotificationService = new WishlistNotificationService(pool);',
    "console.log('✅ Wishlist notification cron jobs registered');",
  ],
  addJobs: ["'wishlist-sale-check'", "'wishlist-stock-check'"],
};

/**
 * The shop's index.ts with the README's installation applied as a person would: the four
 * blocks pasted at the places the README names, the shop's notifier deleted.
 */
export function installedIndex(template: string, blocks: string[]): string {
  if (blocks.length !== 4) throw new Error(`expected 4 \`\`\`ts blocks in "Installing into the shop", found ${blocks.length}`);
  const [imports, beforeParsers, afterSession, shutdown] = blocks.map((b) => b.trimEnd());
  let lines = template.split('\n');
  // Delete the shop's notifier: its import, its service, its two jobs and its log line.
  lines = lines.filter((l) => !DELETIONS.lines.includes(l.trim()));
  for (const job of DELETIONS.addJobs) {
    const from = lines.findIndex((l, i) => l.startsWith('cronService.addJob(') && lines[i + 1]?.trim().startsWith(job));
    const to = lines.findIndex((l, i) => i > from && l === ');');
    if (from < 0 || to < 0) throw new Error(`no cronService.addJob(${job}, …) block in the template`);
    lines.splice(from, to - from + 1);
  }
  const lastImport = lines.map((l) => l.startsWith('import ')).lastIndexOf(true);
  lines.splice(lastImport + 1, 0, imports);
  const parsers = lines.findIndex((l) => l.startsWith('app.use(express.json());'));
  lines.splice(parsers, 0, beforeParsers);
  const session = lines.findIndex((l) => l.startsWith('app.use(session({'));
  const sessionEnd = lines.findIndex((l, i) => i > session + 1 && l === '}));');
  lines.splice(sessionEnd + 1, 0, afterSession);
  const close = lines.findIndex((l) => l.includes('server.close('));
  const exit = lines.findIndex((l, i) => i > close && l.trim() === 'process.exit(0);');
  lines[exit] = lines[exit].replace('process.exit(0);', shutdown.trim());
  return lines.join('\n');
}

/**
 * A copy of the shop-shaped server in a temp folder: the shop's dependencies installed
 * first, then the packed module, then index.ts edited as the README says. Returns the
 * folder, and the host's direct dependency versions before and after the module came.
 */
export function buildShopHost(): { dir: string; before: Record<string, string>; after: Record<string, string>; index: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simfab-server-'));
  cpSync(path.join(__dirname, 'shopHost'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'simfab-server', private: true, dependencies: SHOP_DEPENDENCIES }, null, 2));
  npm(['install', '--prefer-offline'], dir);
  const before = directVersions(dir);
  const packed = npm(['pack', '--pack-destination', dir], ROOT).trim().split('\n').pop()!;
  // As README step 1 says, in the shop's server/.
  npm(['install', '--prefer-offline', `./${packed}`], dir);
  const after = directVersions(dir);
  const index = installedIndex(readFileSync(path.join(dir, 'src/index.ts'), 'utf8'), readmeInstallation().blocks);
  writeFileSync(path.join(dir, 'src/index.ts'), index);
  return { dir, before, after, index };
}

/** The shop's own build: its TypeScript, its tsconfig. Returns what tsc printed ('' when it compiled). */
export function compileShop(dir: string): string {
  try {
    execFileSync(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout || err);
  }
}
