import {
  k,
  Load,
  ms,
  rssOf,
  runRateSteps,
  type Step,
  sleep,
  startServer,
  stopProcess,
} from './chat-harness.js';
import type { LoadEvent } from './chat-load.js';

type Kind = 'chat' | 'baseline';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const CLIENTS = Number(arg('clients', '1000'));
const PROCS = Number(arg('procs', '4'));
const RATES = arg('rates', '10000,20000,50000,100000,200000').split(',').map(Number);
const STEP_MS = Number(arg('step-ms', '2000'));
const WARMUP_MS = 500;
const IDLE_CLIENTS = Number(arg('idle', '10000'));
/** Idle clients register in waves of this many per load process (see chat-load.ts); 0: all at once. */
const IDLE_WAVE = Number(arg('idle-wave', '0'));
const BROADCAST = !process.argv.includes('--no-broadcast');
const SENDERS_PER_PROC = 5;

async function connectLoads(
  port: number,
  total: number,
  senders: number,
  wave?: number,
  registerLater = false,
): Promise<Load[]> {
  const loads = Array.from({ length: PROCS }, () => new Load());
  const share = Math.ceil(total / PROCS);
  await Promise.all(
    loads.map((load, i) =>
      load.ask({
        cmd: 'connect',
        port,
        prefix: `u${i}x`,
        from: 0,
        count: Math.max(0, Math.min(share, total - i * share)),
        senders,
        ...(wave ? { wave } : {}),
        registerLater,
      }),
    ),
  );
  return loads;
}

async function broadcastRun(kind: Kind): Promise<Step[]> {
  const { child, port } = await startServer(kind);
  const loads = await connectLoads(port, CLIENTS, SENDERS_PER_PROC);
  const steps = await runRateSteps(loads, RATES, {
    clients: CLIENTS,
    warmupMs: WARMUP_MS,
    firstWarmupMs: WARMUP_MS,
    stepMs: STEP_MS,
  });
  await Promise.all(loads.map((l) => l.close()));
  await stopProcess(child);
  return steps;
}

const ASKERS = 50;
const PINGS = 40;

interface Listing {
  repliesPerSecond: number;
  quiet: { p50: number; p99: number };
  loaded: { p50: number; p99: number };
}

function quantiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * A bystander's PING round trips, first on a quiet server and then while ASKERS clients ask USERS back to back
 * (before listings were paged, each of them got every name in one reply).
 */
async function listingRun(loads: Load[]): Promise<Listing> {
  const ping = async () =>
    ((await loads[0]!.ask({ cmd: 'ping', count: PINGS })) as Extract<LoadEvent, { ev: 'pinged' }>)
      .roundTripsMs;
  const quiet = quantiles(await ping());
  for (const load of loads) load.send({ cmd: 'ask', count: Math.ceil(ASKERS / loads.length), line: 'USERS' });
  await sleep(500);
  const loaded = quantiles(await ping());
  const asked = (await Promise.all(loads.map((l) => l.ask({ cmd: 'stop-asking' })))) as Array<
    Extract<LoadEvent, { ev: 'asked' }>
  >;
  const repliesPerSecond = asked.reduce((sum, a) => sum + a.replies / (a.elapsedMs / 1000), 0);
  return { repliesPerSecond, quiet, loaded };
}

interface IdleFigures {
  rss: number;
  peak: number;
  /** Seconds until every client was connected and greeted. */
  connecting: number;
  /** Seconds from then until every REGISTER was answered. */
  registering: number;
  /** For the chat server only (the baseline has no USERS). */
  listing?: Listing;
}

async function idleRun(kind: Kind): Promise<IdleFigures> {
  const { child, port } = await startServer(kind, ['--expose-gc']);
  const started = performance.now();
  const loads = await connectLoads(port, IDLE_CLIENTS, 0, IDLE_WAVE, true);
  const connected = performance.now();
  if (process.env.CHAT_BENCH_DEBUG)
    console.error(`${kind}: connected in ${(connected - started).toFixed(0)} ms`);
  await Promise.all(loads.map((l) => l.ask({ cmd: 'register' })));
  const registered = performance.now();
  // What holding the clients costs, after the garbage of registering them (presence news) is collected.
  child.kill('SIGUSR2');
  await sleep(2000);
  const memory = rssOf(child.pid!);
  const listing = kind === 'chat' ? await listingRun(loads) : undefined;
  await Promise.all(loads.map((l) => l.close()));
  await stopProcess(child);
  return {
    ...memory,
    connecting: (connected - started) / 1000,
    registering: (registered - connected) / 1000,
    ...(listing ? { listing } : {}),
  };
}

console.log(
  `# bench:chat: ${CLIENTS} registered clients over ${PROCS} load processes, ${SENDERS_PER_PROC * PROCS} senders, ` +
    `${STEP_MS} ms per step; the bench's chat server has its flood limits raised (burst and rate 1e9) so it ` +
    'measures delivery, and logs every command at info as JSON (discarded), as on a pipe; ratio = chat/baseline ' +
    `delivered. Then ${IDLE_CLIENTS} idle clients (--idle), connected and then registered all at once.`,
);
const chat = BROADCAST ? await broadcastRun('chat') : [];
const baseline = BROADCAST ? await broadcastRun('baseline') : [];
for (let i = 0; i < chat.length; i++) {
  const c = chat[i]!;
  const b = baseline[i]!;
  console.log(
    `chat broadcast ${CLIENTS} clients, offered ${k(c.offered)} deliveries/s: ${k(c.delivered)}/s delivered, ` +
      `p50 ${ms(c.p50)} ms, p99 ${ms(c.p99)} ms; baseline ${k(b.delivered)}/s, p50 ${ms(b.p50)} ms, ` +
      `p99 ${ms(b.p99)} ms; ratio ${(c.delivered / b.delivered).toFixed(2)}`,
  );
}
if (IDLE_CLIENTS > 0) {
  const c = await idleRun('chat');
  const b = await idleRun('baseline');
  const s = (n: number) => n.toFixed(1);
  console.log(
    `chat idle: ${IDLE_CLIENTS} registered clients held, server RSS ${c.rss.toFixed(0)} MB (peak ` +
      `${c.peak.toFixed(0)} MB; target under 150 MB), connected in ${s(c.connecting)} s, registered in ` +
      `${s(c.registering)} s (target: within 10 s); baseline RSS ${b.rss.toFixed(0)} MB (peak ${b.peak.toFixed(0)} MB), ` +
      `connected in ${s(b.connecting)} s, registered in ${s(b.registering)} s; ` +
      `ratio ${(b.rss / c.rss).toFixed(2)} (baseline/chat RSS)`,
  );
  const l = c.listing!;
  console.log(
    `chat listings: ${ASKERS} clients asking USERS back to back among ${IDLE_CLIENTS} users ` +
      `(${k(l.repliesPerSecond)} replies/s, at most 100 names each): a bystander's PING p50 ${ms(l.loaded.p50)} ms, ` +
      `p99 ${ms(l.loaded.p99)} ms; baseline (nobody asking) p50 ${ms(l.quiet.p50)} ms, p99 ${ms(l.quiet.p99)} ms; ` +
      `ratio ${(l.quiet.p50 / l.loaded.p50).toFixed(2)} (baseline/loaded p50)`,
  );
}
process.exit(0);
