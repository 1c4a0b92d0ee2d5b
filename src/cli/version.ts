// The version printed by --version and sent in Server headers: read from package.json so it never drifts.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function readPackageVersion(): string {
  if (cached) return cached;
  // Walk up from this module: it runs both from src/ (tests) and from dist/src/ (the built CLI).
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'plainwire' && pkg.version) {
        cached = pkg.version;
        return cached;
      }
    } catch {
      // not here; keep climbing
    }
    dir = new URL('..', dir);
  }
  cached = '0.0.0';
  return cached;
}
