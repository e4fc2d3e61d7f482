// tsc emits JavaScript only; these are read at run time from beside the code that uses them.
import { cpSync } from 'node:fs';

for (const dir of ['server/src/db/migrations', 'server/src/http/console/assets']) {
  cpSync(dir, `dist/${dir}`, { recursive: true });
}
