// Node 22.1 and later can keep V8's compiled code of each module on disk (module.enableCompileCache), so that each
// run after the first skips compiling plainwire and its libraries, as TypeScript's tsc does. The cache goes where a
// user's caches go: NODE_COMPILE_CACHE if set, else $XDG_CACHE_HOME or ~/.cache (macOS: ~/Library/Caches, Windows:
// %LOCALAPPDATA%), in plainwire/node-compile-cache. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The directory of the compile cache for this environment (exported for the tests). */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  const base =
    platform === 'win32'
      ? (env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'))
      : platform === 'darwin'
        ? join(home, 'Library', 'Caches')
        : env.XDG_CACHE_HOME?.startsWith('/')
          ? env.XDG_CACHE_HOME
          : join(home, '.cache');
  return join(base, 'plainwire', 'node-compile-cache');
}

/**
 * Turns the cache on where Node has it (never fails: without a cache, modules are compiled as usual). Returns
 * the directory caches go to, or null under NODE_DISABLE_COMPILE_CACHE (which turns plainwire's own code cache,
 * code-cache.cts, off too).
 */
export function enableCompileCache(): string | null {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return null;
  const dir = compileCacheDir(process.env, process.platform, homedir());
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  try {
    enable?.(dir);
  } catch {}
  return dir;
}
