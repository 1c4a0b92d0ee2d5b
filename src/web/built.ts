// Where `npm run build` (scripts/build-web.mjs) puts the pages' bundled front ends: dist/web/ of the package this
// module belongs to, whether it runs from src/ (tests) or dist/src/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function builtWebDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the plainwire package around its web pages');
    dir = up;
  }
  return join(dir, 'dist', 'web');
}
