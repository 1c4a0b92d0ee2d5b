// Runs a CommonJS script (the browse bundle) with a V8 code cache made after it ran, kept beside Node's compile
// cache. Node's own compile cache holds only what V8 compiles as a script loads; the functions compiled later, as
// a page is parsed and laid out, are compiled again at every start, which for a small page is a large part of
// what plainwire adds to `node -e 0` (docs/BROWSER.md, "Start-up" has the numbers). V8 checks a cache against its own version
// and flags and the source's length, not its text, so the file's name carries the bundle's size and mtime too.
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { Script } from 'node:vm';

type Wrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/** The file of `file`'s cache in `dir`, for this node and this build of the file. */
export function cacheFileFor(file: string, dir: string): string {
  const { size, mtimeMs } = statSync(file);
  return join(
    dir,
    `${basename(file)}-${process.version}-${process.arch}-${size}-${Math.floor(mtimeMs)}.v8cache`,
  );
}

/**
 * `require(file)` for a self-contained CommonJS script, using and making the code cache in `cacheDir` (null: no
 * cache, a plain require). A missing, stale or damaged cache costs only its use: V8 refuses it, the script is
 * compiled as usual, and a new cache is written as the process exits.
 */
export function requireWithCodeCache(file: string, cacheDir: string | null): unknown {
  if (cacheDir === null) return require(file);
  const cacheFile = cacheFileFor(file, cacheDir);
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(cacheFile);
  } catch {}
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    {
      filename: file,
      cachedData: cached,
    },
  );
  if (cached === undefined || script.cachedDataRejected)
    process.once('exit', () => writeCache(script, cacheFile));
  const module = { exports: {} as unknown };
  (script.runInThisContext() as Wrapper)(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Writes the cache whole or not at all (runs may overlap), and drops the caches of older builds. */
function writeCache(script: Script, cacheFile: string): void {
  try {
    const dir = dirname(cacheFile);
    mkdirSync(dir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    const prefix = `${basename(cacheFile).split(`-${process.version}-`)[0]}-${process.version}-`;
    for (const name of readdirSync(dir))
      if (name.startsWith(prefix) && name.endsWith('.v8cache') && name !== basename(cacheFile))
        unlinkSync(join(dir, name));
  } catch {
    // A cache that cannot be written (a read-only home, a full disk) only means compiling again next time.
  }
}
