// Static serving throughput: `plainwire serve` against `python3 -m http.server` on the same directory, in the
// same run, under the same load (C concurrent clients fetching page1.html for a fixed time). Python's server
// speaks HTTP/1.0 and closes after each answer, so the ratio compares one connection per request on both;
// plainwire with keep-alive is measured as well. Also reports errors and the server's RSS after the load.
// Run: npm run build && node dist/bench/serve.js [seconds-per-run] [concurrency]
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.argv[2] ?? 5) || 5;
const CONCURRENCY = Number(process.argv[3] ?? 32) || 32;
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const site = join(repo, 'examples', 'site');
const cli = join(repo, 'dist', 'src', 'cli', 'main.js');
const PATH = '/page1.html';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once a GET succeeds, so the clock starts with the server ready. */
async function waitUntilServing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${PATH}`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on port ${port} did not answer within 10 s`);
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return Number.NaN;
  }
}

interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
}

/** CONCURRENCY loops, each sending its next request when the last answer is complete, for SECONDS. */
async function load(port: number, keepAlive: boolean): Promise<LoadResult> {
  const agent = new Agent({ keepAlive, maxSockets: CONCURRENCY });
  const expected = readFileSync(join(site, PATH.slice(1))).length;
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: PATH, agent }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => {
          if (res.statusCode === 200 && bytes === expected) requests++;
          else errors++;
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  return { requests, errors, perSecond: requests / seconds };
}

async function withServer<T>(
  command: string,
  args: string[],
  port: number,
  run: (pid: number) => Promise<T>,
): Promise<T> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore'], cwd: site });
  try {
    await waitUntilServing(port, child);
    return await run(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

async function main(): Promise<void> {
  const plainPort = await freePort();
  const plain = await withServer(
    process.execPath,
    [cli, 'serve', site, '--port', String(plainPort)],
    plainPort,
    async (pid) => {
      const close = await load(plainPort, false);
      const keep = await load(plainPort, true);
      return { close, keep, rss: rssMb(pid) };
    },
  );
  const pyPort = await freePort();
  const python = await withServer(
    'python3',
    ['-m', 'http.server', String(pyPort), '--bind', '127.0.0.1', '--directory', site],
    pyPort,
    (pid) => load(pyPort, false).then((close) => ({ close, rss: rssMb(pid) })),
  );
  const errors = plain.close.errors + plain.keep.errors;
  process.stdout.write(
    `serve details: ${CONCURRENCY} clients, ${SECONDS} s per run; plainwire keep-alive ${fmt(plain.keep.perSecond)} req/s; ` +
      `errors plainwire ${errors}, python ${python.close.errors}; RSS after load plainwire ${plain.rss} MB, python ${python.rss} MB\n`,
  );
  process.stdout.write(
    `serve ${PATH} (new connection per request): ${fmt(plain.close.perSecond)} req/s, ` +
      `baseline python3 -m http.server ${fmt(python.close.perSecond)} req/s, ` +
      `ratio ${(plain.close.perSecond / python.close.perSecond).toFixed(2)}\n`,
  );
  if (errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench serve: ${(err as Error).message}\n`);
  process.exit(1);
});
