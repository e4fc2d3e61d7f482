// tsc emits JavaScript only; these are read at run time from beside the code that uses them.
import { cpSync } from 'node:fs';

for (const dir of ['server/src/db/migrations', 'server/src/db/standin', 'server/src/http/console/assets']) {
  // Only the non-TypeScript files: tsc already emits the folder's compiled .js.
  cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
