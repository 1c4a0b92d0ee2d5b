// bench:browse: `plainwire browse --dump FILE` (whole process: start-up, read, parse5, layout, write) on a
// generated 5 MB and 100 KB page, against `w3m -dump` and `lynx -dump` on the same files in the same run when
// they are installed (Debian packages w3m and lynx). Prints one line per page and tool, ending in ratios.
// Then the figures of issue 16, each against its same-run baseline: a tiny page against `node -e 0`, Python's
// documentation (python3-doc; BENCH_PYDOC for another directory, BENCH_PYDOC_PAGES pages of it, `all` for all)
// against 150 ms and against w3m, its contents.html against w3m, and in line mode and --tui the time from a
// followed link's last byte to its page on the terminal (--tui on a pseudo-terminal from script(1)).
// BENCH_RUNS / BENCH_RUNS_SMALL / BENCH_RUNS_FOLLOW: runs (median); BENCH_NODES: more Node binaries to run
// plainwire on; BENCH_GENERATED=0: no generated pages, only the real ones;
// BENCH_SHAPES=1: also 5 MB pages of one shape each (many small tables, links, one long paragraph...), whose
// timings show how much each browser's speed depends on what a page is made of. BENCH_FILES: real pages to time
// as well (colon-separated paths, BENCH_RUNS_FILES runs each), such as the HTML documentation a machine has.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePage, generateShapePage, SHAPES } from './browse-page.js';

const CLI = fileURLToPath(new URL('../src/cli/plainwire.cjs', import.meta.url));
const WIDTH = 80;

interface Tool {
  name: string;
  command: string;
  args: (file: string) => string[];
}

/** The Node version a binary reports (`v20.20.2`). */
function nodeVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

// plainwire runs on the Node that runs the bench, and also on every binary in BENCH_NODES (colon-separated), so
// that Node versions can be compared with w3m in one run, e.g. BENCH_NODES="$(npx -y -p node@24 which node)".
const NODES = [process.execPath, ...(process.env.BENCH_NODES ?? '').split(':').filter((n) => n !== '')];

const TOOLS: Tool[] = [
  ...NODES.map((node) => ({
    name: `plainwire (Node ${nodeVersion(node)})`,
    command: node,
    args: (file: string) => [CLI, 'browse', '--dump', '--width', String(WIDTH), file],
  })),
  { name: 'w3m', command: 'w3m', args: (file) => ['-dump', '-cols', String(WIDTH), '-T', 'text/html', file] },
  { name: 'lynx', command: 'lynx', args: (file) => ['-dump', '-force_html', `-width=${WIDTH}`, file] },
];

function installed(command: string): boolean {
  return spawnSync(command, ['-version'], { stdio: 'ignore' }).error === undefined;
}

/** Wall-clock seconds of one whole run, output to /dev/null (every tool pays for writing it the same way). */
function timeOnce(tool: Tool, file: string, devNull: number): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(tool.command, tool.args(file), {
    stdio: ['ignore', devNull, 'pipe'],
    env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
    timeout: 60_000,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0)
    throw new Error(
      `${tool.name} failed (${result.status ?? result.signal}): ${String(result.stderr).slice(0, 300)}`,
    );
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function format(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${(seconds * 1000).toFixed(0)} ms`;
}

/** A page to time: generated into the bench's directory, or a file that exists (BENCH_FILES). */
interface BenchPage {
  label: string;
  bytes: number;
  runs: number;
  html?: (bytes: number) => string;
  file?: string;
}

function filePages(): BenchPage[] {
  return (process.env.BENCH_FILES ?? '')
    .split(':')
    .filter((f) => f !== '')
    .map((file) => {
      let bytes: number;
      try {
        bytes = statSync(file).size;
      } catch (error) {
        console.error(
          `BENCH_FILES: cannot read ${file} (${(error as Error).message}); give paths of HTML files.`,
        );
        process.exit(2);
      }
      const size =
        bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
      return {
        label: `${basename(file)} (${size})`,
        bytes,
        runs: Number(process.env.BENCH_RUNS_FILES ?? 3),
        file,
      };
    });
}

const PLAINWIRE = TOOLS[0]!;
const W3M = TOOLS.find((t) => t.name === 'w3m')!;
const NODE_ALONE: Tool = { name: 'node -e 0', command: process.execPath, args: () => ['-e', '0'] };
const PYDOC = process.env.BENCH_PYDOC ?? '/usr/share/doc/python3/html';

/** Medians of each tool's interleaved runs on one file (after one warm-up run each). */
function interleaved(tools: Tool[], file: string, runs: number, devNull: number): number[] {
  for (const tool of tools) timeOnce(tool, file, devNull);
  const times = tools.map(() => [] as number[]);
  for (let run = 0; run < runs; run++)
    for (const [i, tool] of tools.entries()) times[i]!.push(timeOnce(tool, file, devNull));
  return times.map(median);
}

/** Every HTML page under a directory, in path order. */
function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => join(dir, f));
}

/** `count` pages spread evenly over the list (all of them for `all`). */
function spread(files: string[], count: string): string[] {
  if (count === 'all') return files;
  const n = Math.min(files.length, Math.max(1, Number(count)));
  return Array.from({ length: n }, (_, i) => files[Math.floor((i * files.length) / n)]!);
}

/** How the browser is driven to follow a link: line mode with commands piped in, or --tui on a terminal. */
type FollowMode = 'line mode' | '--tui';

/** The text that shows the page `html` is on screen: its TITLE line (the first line of the layout). */
function titleMark(html: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '';
  return `TITLE: ${title.replace(/\s+/g, ' ').trim().slice(0, 12)}`;
}

/**
 * Following a link in a browser already running: `plainwire browse START`, START linking to the page; the time from
 * the page's last byte leaving a local server to the page on the browser's terminal (parse, layout and writing it).
 * Line mode: commands piped in, done when the prompt after the page is out. --tui: on a pseudo-terminal made by
 * script(1), `1` Enter typed, done when the page's TITLE line is drawn. Median over the runs, in seconds.
 */
async function followLink(page: string, runs: number, mode: FollowMode): Promise<number> {
  const body = readFileSync(page);
  const mark = titleMark(body.toString('utf8'));
  let lastByte = 0n;
  const server = createServer((req, res) => {
    if (req.url === '/start.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<title>start</title><p><a href="/page.html">the page</a></p>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body, () => {
      lastByte = process.hrtime.bigint();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const start = `http://127.0.0.1:${port}/start.html`;
  const env = { ...process.env, NO_COLOR: '1', TERM: mode === '--tui' ? 'xterm-256color' : 'dumb' };
  const times: number[] = [];
  try {
    for (let run = 0; run <= runs; run++) {
      const child =
        mode === '--tui'
          ? spawn(
              'script',
              [
                '-qfec',
                `stty cols ${WIDTH} rows 30; exec '${PLAINWIRE.command}' '${CLI}' browse --tui '${start}'`,
                '/dev/null',
              ],
              { stdio: ['pipe', 'pipe', 'ignore'], env },
            )
          : spawn(PLAINWIRE.command, [CLI, 'browse', '--width', String(WIDTH), start], {
              stdio: ['pipe', 'pipe', 'ignore'],
              env,
            });
      // What shows that the start page is up, then that the followed page is.
      const [first, second] = mode === '--tui' ? ['TITLE: start', mark] : ['Select a link', 'Select a link'];
      let stage = 0;
      let tail = '';
      const shown = await new Promise<bigint>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) =>
          reject(new Error(`plainwire browse exited (${code}) before showing the page`)),
        );
        child.stdout.on('data', (chunk: Buffer) => {
          // The marks may be split across chunks: a tail of the output is searched.
          tail = (tail + chunk.toString('utf8')).slice(-4000);
          if (stage === 1 && mode === '--tui' && tail.includes('Link number: 1')) {
            stage = 2;
            child.stdin.write('\r');
          }
          if (!tail.includes(stage === 0 ? first : second)) return;
          tail = '';
          if (stage === 0) {
            stage = 1;
            child.stdin.write(mode === '--tui' ? '1' : '1\n');
          } else resolve(process.hrtime.bigint());
        });
      });
      child.removeAllListeners('exit');
      child.stdin.end('q\n');
      await new Promise((resolve) => child.once('exit', resolve));
      if (run > 0) times.push(Number(shown - lastByte) / 1e9); // the first run warms the page cache and the server
    }
  } finally {
    server.close();
  }
  return median(times);
}

/** The figures issue 16 asks for, each with its same-run baseline. */
async function issueFigures(dir: string, devNull: number, available: Tool[]): Promise<void> {
  const hasW3m = available.includes(W3M);
  const tiny = join(dir, 'tiny.html');
  writeFileSync(tiny, '<!DOCTYPE html><title>Tiny</title><p>A <a href="next.html">tiny</a> page.</p>\n');
  const [alone, tinyTime] = interleaved(
    [NODE_ALONE, PLAINWIRE],
    tiny,
    Number(process.env.BENCH_RUNS_SMALL ?? 9),
    devNull,
  );
  console.log(
    `tiny page: ${PLAINWIRE.name} ${format(tinyTime!)}, node -e 0 ${format(alone!)}, difference ${format(tinyTime! - alone!)} (target: within 40 ms)`,
  );
  if (!existsSync(PYDOC)) {
    console.log(
      `(no Python documentation in ${PYDOC}: apt-get install -y python3-doc, or set BENCH_PYDOC; skipped)`,
    );
    return;
  }
  const pages = spread(htmlFiles(PYDOC), process.env.BENCH_PYDOC_PAGES ?? '25');
  const tools = hasW3m ? [PLAINWIRE, W3M] : [PLAINWIRE];
  const perPage = pages.map((page) => interleaved(tools, page, 1, devNull));
  const ours = median(perPage.map((t) => t[0]!));
  const theirs = hasW3m ? median(perPage.map((t) => t[1]!)) : 0;
  console.log(
    `Python docs, median over ${pages.length} of its pages: ${PLAINWIRE.name} ${format(ours)} (target: under 150 ms)` +
      (hasW3m ? `, w3m ${format(theirs)}, ratio vs w3m ${(theirs / ours).toFixed(2)}` : ''),
  );
  const contents = join(PYDOC, 'contents.html');
  if (existsSync(contents) && hasW3m) {
    const [pw, w3m] = interleaved([PLAINWIRE, W3M], contents, Number(process.env.BENCH_RUNS ?? 5), devNull);
    console.log(
      `Python's contents.html: ${PLAINWIRE.name} ${format(pw!)}, w3m ${format(w3m!)}, plainwire / w3m ${(pw! / w3m!).toFixed(2)} (target: within 2)`,
    );
  }
  const runs = Number(process.env.BENCH_RUNS_FOLLOW ?? 5);
  const modes: FollowMode[] = installed('script') ? ['line mode', '--tui'] : ['line mode'];
  if (modes.length === 1) console.log('(script(1) is not installed: --tui not timed; it is in util-linux)');
  for (const name of ['library/netdata.html', 'contents.html']) {
    const page = join(PYDOC, name);
    if (!existsSync(page)) continue;
    for (const mode of modes) {
      const follow = await followLink(page, runs, mode);
      console.log(
        `${mode}, link followed to ${name}: laid out ${format(follow)} after its last byte (median of ${runs}, target: within 30 ms)`,
      );
    }
  }
}

async function main(): Promise<void> {
  const files = filePages();
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-bench-browse-'));
  const devNull = openSync('/dev/null', 'w');
  try {
    // BENCH_GENERATED=0: only the real pages (the issue's figures and BENCH_FILES).
    const generated = process.env.BENCH_GENERATED !== '0';
    const pages: BenchPage[] = [
      ...(generated
        ? [
            {
              label: '5 MB',
              bytes: 5 * 1024 * 1024,
              runs: Number(process.env.BENCH_RUNS ?? 5),
              html: generatePage,
            },
            {
              label: '100 KB',
              bytes: 100 * 1024,
              runs: Number(process.env.BENCH_RUNS_SMALL ?? 9),
              html: generatePage,
            },
          ]
        : []),
      // BENCH_SHAPES=1: also 5 MB pages of one shape each (lynx takes about 12 s a run on the tables).
      ...(generated && process.env.BENCH_SHAPES
        ? SHAPES.map((shape) => ({
            label: `5 MB of ${shape}`,
            bytes: 5 * 1024 * 1024,
            runs: Number(process.env.BENCH_RUNS_SHAPES ?? 1),
            html: (bytes: number) => generateShapePage(shape, bytes),
          }))
        : []),
      ...files,
    ];
    const available = TOOLS.filter((t) => t.name.startsWith('plainwire') || installed(t.command));
    for (const t of TOOLS)
      if (!available.includes(t))
        console.log(`(${t.name} is not installed: skipped; on Debian/Ubuntu: apt-get install -y ${t.name})`);
    for (const page of pages) {
      const file = page.file ?? join(dir, `page-${pages.indexOf(page)}.html`);
      if (page.html) writeFileSync(file, page.html(page.bytes));
      for (const tool of available) timeOnce(tool, file, devNull); // warm the page cache and the binaries
      // Interleaved (each tool once per round): on a shared machine, load that comes and goes hits all alike.
      const times = new Map<string, number[]>(available.map((t) => [t.name, []]));
      for (let run = 0; run < page.runs; run++)
        for (const tool of available) times.get(tool.name)!.push(timeOnce(tool, file, devNull));
      const medians = new Map([...times].map(([name, list]) => [name, median(list)]));
      const baselines = [...medians].filter(([name]) => !name.startsWith('plainwire'));
      for (const [name, time] of medians) {
        if (!name.startsWith('plainwire')) continue;
        const mbPerSecond = page.bytes / 1024 / 1024 / time;
        const others = baselines.map(([other, t]) => `${other} ${format(t)}`);
        const ratios = baselines.map(([other, t]) => `ratio vs ${other} ${(t / time).toFixed(2)}`).join(', ');
        console.log(
          `browse --dump ${page.label}: ${name} ${format(time)} (${mbPerSecond.toFixed(1)} MB/s, median of ${page.runs})` +
            (others.length > 0 ? `, ${others.join(', ')}, ${ratios}` : ', no baseline installed'),
        );
      }
    }
    console.log('(ratio = baseline time / plainwire time: above 1 means plainwire is faster)');
    await issueFigures(dir, devNull, available);
  } finally {
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
