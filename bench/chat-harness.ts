// What the chat benchmarks share: starting a server process (bench/chat-server-proc.ts) and load processes
// (bench/chat-load.ts), killing them all on exit, and reading latency histograms and a process's memory.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUCKET_COUNT, bucketMicros } from './chat-histogram.js';
import type { LoadCommand, LoadEvent } from './chat-load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(here, 'chat-server-proc.js');
const LOAD = path.join(here, 'chat-load.js');

export const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

/**
 * Starts bench/chat-server-proc.js (`kind` and its arguments: "chat", "baseline", or "node <redis-url>") and
 * resolves with its port once it prints it.
 */
export function startServer(
  kind: string,
  nodeArgs: string[] = [],
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, SERVER, kind, ...args], {
    stdio: ['ignore', 'pipe', process.env.CHAT_BENCH_DEBUG ? 'inherit' : 'ignore'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 15_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
  children.delete(child);
}

export class Load {
  readonly child: ChildProcess;
  private waiting: Array<(e: LoadEvent) => void> = [];
  constructor() {
    this.child = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.child);
    this.child.on('message', (e: LoadEvent) => this.waiting.shift()?.(e));
  }
  send(c: LoadCommand): void {
    this.child.send(c);
  }
  ask(c: LoadCommand, timeoutMs = 120_000): Promise<LoadEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load process: no answer to ${c.cmd}`)), timeoutMs);
      this.waiting.push((e) => {
        clearTimeout(timer);
        if (e.ev === 'error') reject(new Error(e.message));
        else resolve(e);
      });
      this.child.send(c);
    });
  }
  async close(): Promise<void> {
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'close' });
    await gone;
    children.delete(this.child);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(histogram: number[], q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= q * total) return bucketMicros(i) / 1000;
  }
  return Number.POSITIVE_INFINITY;
}

/** What process.memoryUsage() said before and after the full collections (bench/chat-server-proc.ts). */
export interface MemoryReport {
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  /** v8.getHeapStatistics() and each heap space's physical size, after the collections. */
  heap: Record<string, number>;
  spaces: Record<string, number>;
}

/**
 * Asks a server started with --expose-gc to collect garbage (SIGUSR2) and resolves with its memory report,
 * read from the "MEMORY" line it then prints.
 */
export function collectAndMeasure(child: ChildProcess, timeoutMs = 120_000): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.stdout!.off('data', onData);
      reject(new Error('no MEMORY line from the server'));
    }, timeoutMs);
    const onData = (d: string) => {
      out += d;
      const m = /MEMORY (\{.*\})\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(JSON.parse(m[1]!) as MemoryReport);
    };
    child.stdout!.on('data', onData);
    child.kill('SIGUSR2');
  });
}

export function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** One offered rate's result: deliveries per second and latency percentiles in microseconds. */
export interface Step {
  offered: number;
  delivered: number;
  p50: number;
  p99: number;
}

/**
 * Offers each rate of deliveries per second in turn (broadcasts spread over the load processes), warms up, then
 * measures one step; the first step warms up `firstWarmupMs` (the JIT of every process is still cold). Stops
 * the load before returning.
 */
export async function runRateSteps(
  loads: readonly Load[],
  rates: readonly number[],
  timing: { clients: number; warmupMs: number; firstWarmupMs: number; stepMs: number },
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const [step, offered] of rates.entries()) {
    const broadcasts = offered / (timing.clients - 1);
    for (const load of loads) load.send({ cmd: 'rate', broadcastsPerSecond: broadcasts / loads.length });
    await sleep(step === 0 ? timing.firstWarmupMs : timing.warmupMs);
    for (const load of loads) load.send({ cmd: 'reset' });
    await sleep(timing.stepMs);
    const stats = (await Promise.all(loads.map((l) => l.ask({ cmd: 'collect' })))) as Array<
      Extract<LoadEvent, { ev: 'stats' }>
    >;
    const histogram = new Array<number>(BUCKET_COUNT).fill(0);
    let delivered = 0;
    for (const s of stats) {
      delivered += s.deliveries / (s.elapsedMs / 1000);
      s.histogram.forEach((n, i) => {
        histogram[i]! += n;
      });
    }
    steps.push({ offered, delivered, p50: percentile(histogram, 0.5), p99: percentile(histogram, 0.99) });
  }
  for (const load of loads) load.send({ cmd: 'rate', broadcastsPerSecond: 0 });
  return steps;
}

/** A count in a short form: 950, 12.5k, 1.20M. */
export const k = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
/** Milliseconds with two decimals below 10. */
export const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
