// bench:imchat: end-to-end delivery latency in live mode (send on one client -> shown on the others) with 10
// users, watching the room (long poll) vs the same clients busy-polling it every 100 ms (the lab's approach),
// against a real `plainwire store` process; the ratio is watch p50 / busy-poll p50 (lower is better).
// Usage: node dist/bench/imchat.js [--users N] [--messages N] [--poll-ms N]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImchatSession } from '../src/imchat/session.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive whole number`);
  return value;
}

const USERS = option('users', 10);
const MESSAGES = option('messages', 200);
const POLL_MS = option('poll-ms', 100);
/** Gap between two sends: the room is a conversation, not a flood, so latency is not queueing. */
const PACE_MS = 20;

async function startStore(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'store', '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the store did not start:\n${seen}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
      const m = /listening on (?:http:\/\/)?([\d.]+):(\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}:${m[2]}/`);
      }
    });
    child.on('exit', (code) => reject(new Error(`the store exited with ${code}:\n${seen}`)));
  });
  child.stderr!.resume();
  return { url, child };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Result {
  p50: number;
  p99: number;
  deliveries: number;
}

async function measure(url: string, room: string, pollIntervalMs?: number): Promise<Result> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const expected = MESSAGES * (USERS - 1);
  let allDelivered!: () => void;
  const delivered = new Promise<void>((resolve) => (allDelivered = resolve));
  const sessions: ImchatSession[] = [];
  for (let u = 0; u < USERS; u++) {
    const name = `user${u}`;
    sessions.push(
      await ImchatSession.start({
        url,
        name,
        room,
        history: 10,
        // The users' signing keys go to a scratch directory, never the config of whoever runs the bench.
        configDir,
        ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
        onEvent: (event) => {
          if (event.kind !== 'message' || event.history || event.name === name) return;
          const start = sentAt.get(event.text);
          if (start === undefined) return;
          latencies.push(performance.now() - start);
          if (latencies.length === expected) allDelivered();
        },
        onStatus: (message) => process.stderr.write(`bench:imchat ${name}: ${message}\n`),
      }),
    );
  }
  for (let m = 0; m < MESSAGES; m++) {
    const text = `m${m}`;
    sentAt.set(text, performance.now());
    sessions[m % USERS]!.send(text);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 20_000));
  await Promise.race([delivered, timeout]);
  await Promise.all(sessions.map((s) => s.close()));
  if (latencies.length < expected)
    throw new Error(`only ${latencies.length} of ${expected} deliveries arrived within 20 s`);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), deliveries: latencies.length };
}

const dataDir = mkdtempSync(join(tmpdir(), 'plainwire-bench-imchat-'));
const configDir = mkdtempSync(join(tmpdir(), 'plainwire-bench-imchat-config-'));
const store = await startStore(dataDir);
try {
  const watched = await measure(store.url, 'bench-watch');
  const polled = await measure(store.url, 'bench-poll', POLL_MS);
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  console.log(
    `watch (long poll): p50 ${ms(watched.p50)}, p99 ${ms(watched.p99)} over ${watched.deliveries} deliveries`,
  );
  console.log(
    `busy poll every ${POLL_MS} ms: p50 ${ms(polled.p50)}, p99 ${ms(polled.p99)} over ${polled.deliveries} deliveries`,
  );
  console.log(
    `imchat delivery latency, ${USERS} users, ${MESSAGES} messages every ${PACE_MS} ms: watch p50 ${ms(watched.p50)} ` +
      `p99 ${ms(watched.p99)}, baseline busy poll (${POLL_MS} ms) p50 ${ms(polled.p50)} p99 ${ms(polled.p99)}, ` +
      `ratio ${(watched.p50 / polled.p50).toFixed(3)}`,
  );
} catch (err) {
  process.stderr.write(`bench:imchat: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  store.child.kill('SIGTERM');
  await new Promise((resolve) => store.child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
}
