// Files that ship with the package (the sample site), found from this module rather than the current directory,
// so the lab works from any directory, from the checkout (src/ or dist/src/) and from an installed package.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding plainwire's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'plainwire')
          return dir;
      } catch {
        // not plainwire's; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find plainwire's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** examples/site, the pages `serve` shows in the lab. */
export function exampleSiteDir(): string {
  return join(packageRoot(), 'examples', 'site');
}
