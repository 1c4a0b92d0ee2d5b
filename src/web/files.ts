// Finds what a request path names inside the served directory: a file (opened, ready to stream), a directory
// (its index.html or its entries), or nothing. Symlinks are resolved with realpath and must stay inside.
import { constants, type Dirent, type Stats } from 'node:fs';
import { type FileHandle, open, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { SmallFileCache } from './file-cache.js';
import { CHARSET_SNIFF_BYTES, needsCharsetSniff } from './mime.js';
import type { ListingEntry } from './pages.js';

export type Found =
  | { kind: 'missing' }
  /** The path exists but resolves (through a symlink) outside the served directory. */
  | { kind: 'outside' }
  /** A directory asked for without its trailing slash: the client should come back with one. */
  | { kind: 'directory-without-slash' }
  | { kind: 'listing'; entries: ListingEntry[]; omitted: number }
  | {
      kind: 'file';
      /** The name the type is chosen by: the requested one (or index.html), not a symlink's target. */
      name: string;
      /**
       * The whole file when it is small (already read and closed), else an open handle the caller streams from
       * and must close.
       */
      source: { kind: 'content'; bytes: Buffer } | { kind: 'handle'; handle: FileHandle };
      size: number;
      mtimeMs: number;
      /** The first bytes, for textual types (charset choice) and small files; may be empty otherwise. */
      head: Buffer;
    };

/** Files up to this size are read whole and sent from memory; larger ones are streamed. */
export const SMALL_FILE_BYTES = CHARSET_SNIFF_BYTES;

/** A small file as read, kept by SmallFileCache under its real path. */
export type SmallFile = Extract<Found, { kind: 'file' }>;

export interface LookupOptions {
  /** A directory listing shows at most this many entries. */
  maxListingEntries: number;
  /** Small files already read; consulted with the stat of the path, filled after each read. */
  cache?: SmallFileCache<SmallFile>;
}

/** True if `real` is `root` or inside it. Both must be real (symlink-free) absolute paths. */
export function isInside(root: string, real: string): boolean {
  if (real === root) return true;
  return real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** realpath, or null when the path does not exist or cannot be reached. */
async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (err) {
    if (isAbsence(err)) return null;
    throw err;
  }
}

/** Errors that mean "there is nothing here for you"; others (EMFILE, EIO) are the server's trouble: 500. */
function isAbsence(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return ['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG'].includes(code ?? '');
}

async function openFile(real: string, name: string, options: LookupOptions, known?: Stats): Promise<Found> {
  if (options.cache) {
    let info = known;
    try {
      info ??= await stat(real);
    } catch (err) {
      if (isAbsence(err)) return { kind: 'missing' };
      throw err;
    }
    // Same device, inode, size and times as the file read before (inside root): its bytes are still these.
    const hit = info.isFile() ? options.cache.get(real, info) : undefined;
    if (hit) return { ...hit, name };
  }
  let handle: FileHandle;
  try {
    // `real` has no symlinks now; O_NOFOLLOW refuses one swapped in since (ELOOP), rather than following it out.
    // O_NONBLOCK: opening a FIFO (an index.html that is a named pipe) would otherwise wait for a writer, holding
    // one of libuv's four file threads for ever; four such requests would stop the server. Regular files
    // ignore the flag.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isAbsence(err)) return { kind: 'missing' };
    throw err;
  }
  try {
    // Size and date from the open file, so the headers describe exactly the bytes that will be streamed.
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      return { kind: 'missing' };
    }
    const base = { kind: 'file', name, mtimeMs: info.mtimeMs } as const;
    if (info.size <= SMALL_FILE_BYTES) {
      // Most pages are small: one read and the file is closed, instead of a stream per request.
      const buffer = Buffer.alloc(info.size);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      await handle.close();
      const bytes = buffer.subarray(0, bytesRead);
      const found: SmallFile = {
        ...base,
        source: { kind: 'content', bytes },
        size: bytes.length,
        head: bytes,
      };
      if (bytesRead === info.size) options.cache?.set(real, info, found);
      return found;
    }
    let head = Buffer.alloc(0);
    if (needsCharsetSniff(name)) {
      const buffer = Buffer.alloc(CHARSET_SNIFF_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    }
    return { ...base, source: { kind: 'handle', handle }, size: info.size, head };
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}

async function listDirectory(root: string, dir: string, options: LookupOptions): Promise<Found> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    return { kind: 'missing' };
  }
  const entries: ListingEntry[] = [];
  let omitted = 0;
  for (const dirent of dirents) {
    // Hidden files are not served (see request-target.ts), so they are not listed either.
    if (dirent.name.startsWith('.')) continue;
    let isDirectory = dirent.isDirectory();
    if (dirent.isSymbolicLink()) {
      const real = await realOrNull(join(dir, dirent.name));
      if (real === null || !isInside(root, real)) continue;
      try {
        const info = await stat(real);
        if (!info.isFile() && !info.isDirectory()) continue;
        isDirectory = info.isDirectory();
      } catch {
        continue;
      }
    } else if (!dirent.isFile() && !isDirectory) {
      continue;
    }
    if (entries.length >= options.maxListingEntries) {
      omitted++;
      continue;
    }
    entries.push({ name: dirent.name, isDirectory });
  }
  return { kind: 'listing', entries, omitted };
}

/**
 * Looks up checked segments (from parseRequestTarget) under `root`, which must itself be a real path.
 * Never returns anything outside root: every candidate is resolved with realpath and checked.
 */
export async function lookup(
  root: string,
  segments: readonly string[],
  trailingSlash: boolean,
  options: LookupOptions,
): Promise<Found> {
  const real = await realOrNull(join(root, ...segments));
  if (real === null) return { kind: 'missing' };
  if (!isInside(root, real)) return { kind: 'outside' };
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(real);
  } catch {
    return { kind: 'missing' };
  }
  if (info.isDirectory()) {
    if (!trailingSlash && segments.length > 0) return { kind: 'directory-without-slash' };
    const index = await realOrNull(join(real, 'index.html'));
    if (index !== null && isInside(root, index)) {
      const found = await openFile(index, 'index.html', options);
      if (found.kind === 'file') return found;
    }
    return listDirectory(root, real, options);
  }
  // A file asked for as a directory ("/page1.html/") does not exist, as on any POSIX path.
  if (!info.isFile() || trailingSlash) return { kind: 'missing' };
  return openFile(real, segments[segments.length - 1] ?? '', options, info);
}
