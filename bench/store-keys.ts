// `npm run bench:store-keys`: `?action=keys` on a store of 500k keys (lmdb, the real `plainwire store` process):
// how long the listing takes, and the round trip of another client's get while it runs, against the same get on
// the same store while it is idle (the baseline, measured in the same run).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbEngine } from '../src/store/lmdb.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'src', 'cli', 'main.js');
const keysArg = process.argv.indexOf('--keys');
const KEYS = keysArg > 0 ? Number(process.argv[keysArg + 1]) : 500_000;
const BASELINE_GETS = 300;

// In memory-backed /dev/shm where there is one: filling 500k keys with a disk sync per batch is not what is measured.
const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'plainwire-bench-keys-'));
let store: ChildProcess | undefined;
process.on('exit', () => {
  if (store && store.exitCode === null) store.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const keyName = (i: number) => `user/${String(i).padStart(7, '0')}/profile`;

async function fill(): Promise<void> {
  const engine = new LmdbEngine({ path: dir });
  const batch = 10_000;
  for (let start = 0; start < KEYS; start += batch) {
    const writes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(KEYS, start + batch); i++)
      writes.push(engine.set(keyName(i), `value ${i}`));
    await Promise.all(writes);
  }
  await engine.close();
}

function startStore(): Promise<number> {
  store = spawn(process.execPath, [CLI, 'store', '--data', dir, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    store!.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    });
    store!.on('exit', (code) => reject(new Error(`the store exited with ${code}:\n${log}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(port: number, key: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/?action=get&key=${encodeURIComponent(key)}`, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Lists every key as fast as it arrives; resolves with the time taken and the lines received. */
function listKeys(port: number): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/?action=keys', agent: false }, (res) => {
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ ms: performance.now() - started, lines }));
    });
    req.on('error', reject);
    req.end();
  });
}

function summary(samples: number[]): { p50: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

async function main(): Promise<void> {
  const filling = performance.now();
  await fill();
  console.log(`filled ${KEYS} keys in ${((performance.now() - filling) / 1000).toFixed(1)} s`);
  const port = await startStore();

  const idle: number[] = [];
  for (let i = 0; i < BASELINE_GETS; i++) idle.push(await get(port, keyName((i * 7919) % KEYS)));

  const during: number[] = [];
  let listing = true;
  const listed = listKeys(port).finally(() => {
    listing = false;
  });
  for (let i = 0; listing; i++) during.push(await get(port, keyName((i * 7919) % KEYS)));
  const { ms, lines } = await listed;
  if (lines !== KEYS) throw new Error(`the listing gave ${lines} keys, not ${KEYS}`);

  const base = summary(idle);
  const busy = summary(during);
  const f = (n: number) => n.toFixed(2);
  console.log(
    `store keys listing: ${KEYS} keys in ${ms.toFixed(0)} ms (${Math.round(KEYS / (ms / 1000))} keys/s); ` +
      `${during.length} gets from another client meanwhile, p50 ${f(busy.p50)} ms, max ${f(busy.max)} ms; ` +
      `idle baseline p50 ${f(base.p50)} ms, max ${f(base.max)} ms; ratio p50 ${(busy.p50 / base.p50).toFixed(2)}, ` +
      `max ${(busy.max / base.max).toFixed(2)}`,
  );
  agent.destroy();
  store?.kill('SIGTERM');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
