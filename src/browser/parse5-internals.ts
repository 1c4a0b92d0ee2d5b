// The one place where plainwire reads parse5 beyond its documented API. It is used only with the parse5 version
// it was written against (package.json pins it exactly) and only while that version has the shape known here;
// otherwise every caller gets the answer that makes it take parse5's plain path. Nothing here ever throws.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type DefaultTreeAdapterMap, Parser } from 'parse5';

/** The parse5 version whose internals are read here: the exact version in package.json. */
export const PARSE5_VERSION = '8.1.1';

/** Whether the shortcut through parse5's internals is on, and why not when it is off. */
export interface InternalsReport {
  active: boolean;
  /** The installed parse5's version (null if it could not be read). */
  version: string | null;
  reason: string | null;
}

type ParserInternals = { activeFormattingElements: { newest?: unknown } };

/**
 * The version of the parse5 that this code runs with, when a bundle holds it: scripts/build-browse.mjs defines it
 * as the version it bundled (the bundled code is that version, whatever node_modules holds later).
 */
declare const PLAINWIRE_BUNDLED_PARSE5: string | undefined;

function installedVersion(): string | null {
  // Resolving parse5 through its package exports costs every start (docs/BROWSER.md): a bundle says instead.
  if (typeof PLAINWIRE_BUNDLED_PARSE5 === 'string') return PLAINWIRE_BUNDLED_PARSE5;
  try {
    const main = createRequire(import.meta.url).resolve('parse5');
    const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/** The report for a parse5 of this version and a fresh parser of it (exported for the tests). */
export function checkInternals(
  version: string | null,
  parser: Parser<DefaultTreeAdapterMap>,
): InternalsReport {
  if (version !== PARSE5_VERSION)
    return {
      active: false,
      version,
      reason: `parse5 ${version ?? '(unknown version)'} is not ${PARSE5_VERSION}`,
    };
  const formatting = (parser as unknown as ParserInternals).activeFormattingElements;
  if (typeof formatting !== 'object' || formatting === null || formatting.newest !== null)
    return {
      active: false,
      version,
      reason: "parse5's list of active formatting elements is not the shape known here",
    };
  return { active: true, version, reason: null };
}

/** Whether plainwire reads parse5's internals in this process (test/browser/parse5-internals.test.ts checks it). */
export const parse5Internals: Readonly<InternalsReport> = Object.freeze(
  checkInternals(installedVersion(), new Parser<DefaultTreeAdapterMap>()),
);

/**
 * True when the parser has no active formatting element, so that the adoption agency cannot move anything already
 * closed; false whenever that cannot be known (the internals are off), which keeps the caller waiting, as is
 * always correct.
 */
export function noActiveFormatting(parser: Parser<DefaultTreeAdapterMap>): boolean {
  if (!parse5Internals.active) return false;
  return (parser as unknown as ParserInternals).activeFormattingElements.newest === null;
}
