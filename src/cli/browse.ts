// `plainwire browse`: the terminal web browser (line mode, --dump, --json, --raw; --tui lives in src/browser/tui).
import { type Command, InvalidArgumentError } from 'commander';
import { sanitizeLine } from '../text/sanitize.js';
import { shouldColour } from '../term/style.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from '../browser/limits.js';
import { importLater } from './import-later.js';
import { parsePositiveInt, parseSeconds } from './options.js';

// The browser (parse5, string-width, node:https...) is loaded only when `browse` runs, so that every other
// plainwire command starts without paying for it.

interface BrowseOptions {
  dump?: boolean;
  json?: boolean;
  raw?: boolean;
  tui?: boolean;
  width?: number;
  timeout: number;
  maxBytes: number;
  color: boolean;
}

const NAME = 'plainwire browse: ';

function parseWidth(value: string): number {
  const n = parsePositiveInt(value);
  if (n < 20) throw new InvalidArgumentError(`"${value}" is too narrow (at least 20 columns).`);
  return n;
}

function fail(message: string): void {
  process.stderr.write(`${NAME}${sanitizeLine(message)}\n`);
  process.exitCode = 1;
}

async function dumpLike(url: string, opts: BrowseOptions, width: number, colour: boolean): Promise<void> {
  // layout.js, not render.js: string-width is loaded below only for a page that may need it.
  const [{ fetchPage, fetchRaw }, { documentFor, loadPage, statusProblem }, { StreamingRender }, widths] =
    await Promise.all([
      import('../browser/fetch.js'),
      import('../browser/page.js'),
      import('../browser/layout.js'),
      import('../browser/width.js'),
    ]);
  const fetchOptions = { timeoutMs: opts.timeout * 1000, maxBytes: opts.maxBytes };
  if (opts.raw) {
    const exchange = await fetchRaw(url, fetchOptions);
    process.stderr.write(`${exchange.request.map((l) => `> ${l}`).join('\n')}\n>\n`);
    process.stdout.write(`${exchange.head.join('\n')}\n\n${exchange.body}`);
    if (exchange.body && !exchange.body.endsWith('\n')) process.stdout.write('\n');
    if (exchange.status >= 400) process.exitCode = 1;
    return;
  }
  if (opts.json) {
    const [{ pageToJson }, { renderPage }] = await Promise.all([
      import('../browser/json.js'),
      import('../browser/render.js'),
    ]);
    const page = await loadPage({ url }, fetchOptions);
    if (page.fetched.charsetNote) process.stderr.write(`${NAME}note: ${page.fetched.charsetNote}\n`);
    const rendered = renderPage(page.doc, { width, colour: false });
    process.stdout.write(`${JSON.stringify(pageToJson(page, rendered), null, 2)}\n`);
    const problem = statusProblem(page.fetched);
    if (problem) fail(problem);
    return;
  }
  // --dump lays out each block as soon as the parser has finished it: the same lines as renderPage, without
  // ever holding the whole page's blocks and laid-out lines (most of the time of a big page went to the GC).
  // The text is written as it is made (see StreamingRender), so a big page is never held whole.
  const fetched = await fetchPage({ url }, fetchOptions);
  if (fetched.charsetNote) process.stderr.write(`${NAME}note: ${fetched.charsetNote}\n`);
  const measure = widths.mayHaveWideText(fetched.text)
    ? (await import('../browser/render.js')).displayWidth
    : widths.displayWidthWith(widths.lazyStringWidth());
  const stream = new StreamingRender({ width, colour, measure }, (text) => process.stdout.write(text));
  const doc = documentFor(fetched, (block, fields, title) => stream.block(block, fields, title));
  process.stdout.write(`${stream.text(doc)}\n`);
  const problem = statusProblem(fetched);
  if (problem) fail(problem);
}

async function browse(address: string | undefined, opts: BrowseOptions): Promise<void> {
  const stdout = process.stdout;
  // `plainwire browse URL | head`: the reader left, which is not a failure; anything else on stdout is.
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`${NAME}cannot write the page: ${err.message}\n`);
    process.exit(1);
  });
  const width = opts.width ?? (stdout.isTTY && stdout.columns ? stdout.columns : 80);
  const colour = opts.color && shouldColour(stdout);
  const { resolveAddress } = await import('../browser/address.js');
  const url = address === undefined ? null : resolveAddress(address);
  if (opts.tui) {
    // ink decides once, when it loads, that a CI variable means nobody watches, and then draws only the last
    // frame: a blank screen. --tui runs only on a terminal (runTui checks), so someone is watching.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    let tui: { runTui(options: Record<string, unknown>): Promise<void> };
    try {
      tui = await importLater(new URL('../browser/tui/index.js', import.meta.url));
    } catch {
      fail('--tui is not available in this build');
      return;
    }
    await tui.runTui({
      url,
      width: opts.width,
      timeoutMs: opts.timeout * 1000,
      maxBytes: opts.maxBytes,
      colour,
    });
    return;
  }
  const explicit = opts.dump || opts.json || opts.raw;
  // Line mode when someone can type (stdout is a terminal) or commands are piped in; `browse URL > file` and
  // `browse URL | less` (a terminal on stdin, output redirected) dump instead of waiting for input.
  const lineMode = !explicit && (stdout.isTTY === true || process.stdin.isTTY !== true);
  if (!lineMode) {
    if (url === null) {
      process.stderr.write(`${NAME}a URL is needed with --dump, --json or --raw (see --help)\n`);
      process.exitCode = 2;
      return;
    }
    await dumpLike(url, opts, width, colour);
    return;
  }
  const [{ createTerminalIO }, { LinePager }] = await Promise.all([
    import('../browser/line-input.js'),
    import('../browser/pager.js'),
  ]);
  const io = createTerminalIO(process.stdin, stdout, process.stderr);
  const pager = new LinePager(io, {
    width,
    colour,
    fetch: { timeoutMs: opts.timeout * 1000, maxBytes: opts.maxBytes },
  });
  try {
    await pager.run(url);
  } finally {
    io.close();
  }
}

export function register(program: Command): void {
  program
    .command('browse')
    .description('terminal web browser: line mode (links by number), --dump, --json, --raw, --tui')
    .argument('[url]', 'http(s) URL, host:port, or a file path')
    .option('--dump', 'print the rendered page and exit (like lynx -dump)')
    .option('--json', 'print title, headings, text blocks and links as JSON and exit')
    .option('--raw', 'show the HTTP exchange (status line, headers, body), as with telnet')
    .option('--tui', 'full-screen mode')
    .option(
      '--width <columns>',
      'wrap at this many columns (default: the terminal width, else 80)',
      parseWidth,
    )
    .option(
      '--timeout <seconds>',
      'give up on a page after this long',
      parseSeconds(),
      DEFAULT_TIMEOUT_MS / 1000,
    )
    .option('--max-bytes <n>', 'refuse pages larger than this', parsePositiveInt, DEFAULT_MAX_BYTES)
    .option('--no-color', 'no bold/italic styling (NO_COLOR=1 does the same)')
    .addHelpText(
      'after',
      `
Examples:
  plainwire browse localhost:8000/page3.html      line mode: type a link number, b, f, g URL, r, q
  plainwire browse --dump examples/site/page1.html
  plainwire browse --json http://127.0.0.1:8000/ | jq .links
  printf '3\\nb\\nq\\n' | plainwire browse http://127.0.0.1:8000/page3.html

Line mode is used when stdout is a terminal or commands are piped to stdin; otherwise the page is dumped.`,
    )
    .action(async (address: string | undefined, opts: BrowseOptions) => {
      try {
        await browse(address, opts);
      } catch (err) {
        const { FetchError } = await import('../browser/fetch.js');
        if (err instanceof FetchError) fail(err.message);
        else fail(`unexpected error: ${(err as Error)?.message ?? String(err)}`);
      }
    });
}
