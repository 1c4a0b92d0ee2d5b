// plainwire reads parse5's internals only with the parse5 version package.json pins, and falls back to parse5's
// plain path with any other (scripts/parse5-latest.sh runs the browser's tests against the newest 8.x).
import { readFileSync } from 'node:fs';
import { type DefaultTreeAdapterMap, Parser } from 'parse5';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/browser/document.js';
import { renderPage } from '../../src/browser/render.js';
import {
  checkInternals,
  noActiveFormatting,
  PARSE5_VERSION,
  parse5Internals,
} from '../../src/browser/parse5-internals.js';

const installed = (
  JSON.parse(readFileSync(new URL('../../node_modules/parse5/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('parse5 internals', () => {
  it('are pinned: package.json asks for exactly the version they were written against', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies.parse5).toBe(PARSE5_VERSION);
  });

  it('are used exactly when the installed parse5 is the pinned one', () => {
    expect(parse5Internals.version).toBe(installed);
    if (installed === PARSE5_VERSION)
      expect(parse5Internals).toEqual({ active: true, version: installed, reason: null });
    else expect(parse5Internals.active).toBe(false);
  });

  it('are off, without throwing, for another version or another shape', () => {
    const parser = new Parser<DefaultTreeAdapterMap>();
    expect(checkInternals('8.9.0', parser)).toEqual({
      active: false,
      version: '8.9.0',
      reason: `parse5 8.9.0 is not ${PARSE5_VERSION}`,
    });
    expect(checkInternals(null, parser).active).toBe(false);
    const reshaped = new Parser<DefaultTreeAdapterMap>();
    (reshaped as unknown as { activeFormattingElements: unknown }).activeFormattingElements = { entries: [] };
    expect(checkInternals(PARSE5_VERSION, reshaped)).toMatchObject({ active: false });
  });

  it('tell whether a formatting element is active', () => {
    const parser = new Parser<DefaultTreeAdapterMap>({ scriptingEnabled: false });
    parser.tokenizer.write('<p>plain', false);
    expect(noActiveFormatting(parser)).toBe(parse5Internals.active);
    parser.tokenizer.write('<b>bold', false);
    expect(noActiveFormatting(parser)).toBe(false);
  });

  it('change nothing a page shows (the reader that uses them against parse5 read whole)', () => {
    const html = `<title>t</title>${'<div><p>one <b>two</p><p>three</b> four</p><ul><li>a<li>b</ul></div>'.repeat(50)}`;
    const whole = renderPage(parseDocument(html, 'http://example.test/', { incremental: false }), {
      width: 60,
      colour: false,
    });
    const read = renderPage(parseDocument(html, 'http://example.test/'), { width: 60, colour: false });
    expect(read.lines).toEqual(whole.lines);
  });
});
