// bench:browse: `plainwire browse --dump FILE` (whole process: start-up, read, parse5, layout, write) on a
// generated 5 MB and 100 KB page, against `w3m -dump` and `lynx -dump` on the same files in the same run when
// they are installed (Debian packages w3m and lynx). Prints one line per page and tool, ending in ratios.
// BENCH_RUNS / BENCH_RUNS_SMALL: runs per tool (median); BENCH_NODES: more Node binaries to run plainwire on;
// BENCH_SHAPES=1: also 5 MB pages of one shape each (many small tables, links, one long paragraph...), whose
// timings show how much each browser's speed depends on what a page is made of. BENCH_FILES: real pages to time
// as well (colon-separated paths, BENCH_RUNS_FILES runs each), such as the HTML documentation a machine has.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePage, generateShapePage, SHAPES } from './browse-page.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
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

function main(): void {
  const files = filePages();
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-bench-browse-'));
  const devNull = openSync('/dev/null', 'w');
  try {
    const pages: BenchPage[] = [
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
      // BENCH_SHAPES=1: also 5 MB pages of one shape each (lynx takes about 12 s a run on the tables).
      ...(process.env.BENCH_SHAPES
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
  } finally {
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
