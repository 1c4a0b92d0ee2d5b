// `npm run bench:store`: the store's get and durable set at 1, 64 and 256 keep-alive connections, each against
// a minimal node:http server answering a constant body in the same run; our set against etcd's put when etcd
// is installed; and StoreClient's transport (node:http agent) against global fetch.
// Every server and the load generator run in their own processes; the load generator gets its own core.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreClient } from '../src/store/client.js';
import type { LoadResult } from './store-load.js';
import { best, kilo, LoadGenerator, rate } from './store-load-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'src', 'cli', 'main.js');

const durationArg = process.argv.indexOf('--duration-ms');
const DURATION_MS = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 1500;
const WARMUP_MS = Math.min(300, DURATION_MS / 4);
const ROUNDS = 2;
const LEVELS = [1, 64, 256];
const GET_VALUE = 'v'.repeat(64);

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

function cleanUp(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanUp);
process.on('SIGINT', () => process.exit(130));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Spawns a server process and resolves with its port once it logs "listening on HOST:PORT". */
function startLogged(command: string, args: string[], what: string): Promise<number> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 15 s:\n${log}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (log.length < 100_000) log += chunk;
      const m = /listening on (?:[a-z]+:\/\/)?(?:\[[^\]]+\]|[^\s:"/]+):(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before listening:\n${log}`));
    });
  });
}

const BASELINE_SERVER = `
const http = require('node:http');
const body = Buffer.from(${JSON.stringify(GET_VALUE)});
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.error('listening on 127.0.0.1:' + server.address().port));
`;

function ms(value: number): string {
  return value < 1 ? value.toFixed(2) : value.toFixed(1);
}

function describe(result: LoadResult): string {
  const errors = result.errors ? `, ${result.errors} errors (first: ${result.firstError})` : '';
  return `${kilo(rate(result))} req/s, p50 ${ms(result.p50Ms)} ms, p99 ${ms(result.p99Ms)} ms${errors}`;
}

async function startEtcd(): Promise<number | undefined> {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'plainwire-bench-etcd-'));
  tempDirs.push(dir);
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    'etcd',
    [
      '--name=bench',
      `--data-dir=${dir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  children.push(child);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${client}/health`);
      if (res.ok && (await res.text()).includes('true')) return clientPort;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('etcd did not become healthy within 15 s');
}

/** Requests per second that `concurrency` loops of `request` complete in `durationMs`. */
async function closedLoop(
  concurrency: number,
  durationMs: number,
  request: () => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const stopAt = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        await request();
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plainwire-bench-store-'));
  tempDirs.push(dataDir);
  const storePort = await startLogged(
    process.execPath,
    [CLI, 'store', '--host', '127.0.0.1', '--port', '0', '--data', dataDir],
    'plainwire store',
  );
  const baselinePort = await startLogged(process.execPath, ['-e', BASELINE_SERVER], 'the baseline server');
  const store = new StoreClient(`http://127.0.0.1:${storePort}/`);
  await store.set('bench-get', GET_VALUE);
  const load = new LoadGenerator(children, { warmupMs: WARMUP_MS, durationMs: DURATION_MS });

  console.log(
    `store bench: best of ${ROUNDS} interleaved runs of ${DURATION_MS} ms (after ${WARMUP_MS} ms warm-up); durable store in ${dataDir}; ` +
      'baseline: node:http answering a constant 64-byte body',
  );
  for (const connections of LEVELS) {
    // Each measurement runs ROUNDS times, interleaved (baseline, get, set, baseline, ...), and the best run of
    // each counts: on a shared machine a noisy moment then hurts neither side of a ratio more than the other.
    let baseline: LoadResult | undefined;
    let get: LoadResult | undefined;
    let set: LoadResult | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      baseline = best(baseline, await load.run('baseline', [baselinePort], connections));
      get = best(get, await load.run('get', [storePort], connections));
      set = best(set, await load.run('set', [storePort], connections));
    }
    const base = `baseline ${kilo(rate(baseline!))} req/s (p50 ${ms(baseline!.p50Ms)} ms, p99 ${ms(baseline!.p99Ms)} ms)`;
    console.log(
      `store get, ${connections} conn: ${describe(get!)}; ${base}; ratio ${(rate(get!) / rate(baseline!)).toFixed(2)}`,
    );
    console.log(
      `store durable set, ${connections} conn: ${describe(set!)}; ${base}; ratio ${(rate(set!) / rate(baseline!)).toFixed(2)}`,
    );
  }

  const etcdPort = await startEtcd();
  if (etcdPort === undefined) {
    console.log('etcd comparison: skipped (no etcd on PATH; Debian/Ubuntu: apt-get install etcd-server)');
  } else {
    // etcd's put and our set at 64 connections, interleaved, best of ROUNDS each, as above.
    let put: LoadResult | undefined;
    let ours = 0;
    for (let round = 0; round < ROUNDS; round++) {
      put = best(put, await load.run('etcd-put', [etcdPort], 64));
      ours = Math.max(ours, rate(await load.run('set', [storePort], 64)));
    }
    console.log(
      `store durable set vs etcd put, 64 conn: ${kilo(ours)} req/s vs etcd ${describe(put!)}; ratio ${(ours / rate(put!)).toFixed(2)}`,
    );
  }
  load.stop();

  // The client's transport: StoreClient (node:http keep-alive agent) against global fetch (undici), both
  // reading the baseline server, 64 requests in flight, from this process.
  const baselineUrl = `http://127.0.0.1:${baselinePort}/`;
  // The baseline answers every path with a body and no store headers: not a store, and meant to be read as one.
  const viaClient = new StoreClient(baselineUrl, { requireStore: false });
  const clientRate = await closedLoop(64, DURATION_MS, () => viaClient.get('bench-get'));
  viaClient.close();
  const fetchRate = await closedLoop(64, DURATION_MS, async () => {
    const res = await fetch(`${baselineUrl}?action=get&key=bench-get`);
    await res.text();
  });
  console.log(
    `StoreClient get (node:http agent), 64 in flight: ${kilo(clientRate)} req/s; global fetch ${kilo(fetchRate)} req/s; ratio ${(clientRate / fetchRate).toFixed(2)}`,
  );
  store.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:store: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
