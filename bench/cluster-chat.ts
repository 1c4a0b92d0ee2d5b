// `npm run bench:cluster-chat`: the chat across nodes joined by Redis (chat-server --redis) against one chat
// server alone, under the same load in the same run. First broadcast fan-out: N registered clients spread
// over the nodes (or all on the one server), senders on every node, a rising offered rate, delivered
// messages/s and p50/p99 delivery latency (send to receipt). Then many idle registered clients spread over
// the nodes: how long they take to register, when every node lists all of them, and each node's RSS.
//   node dist/bench/cluster-chat.js [--clients 1000] [--nodes 3] [--procs 6] [--rates 10000,20000,50000]
//                                   [--step-ms 2000] [--idle 30000] [--idle-procs 6] [--no-broadcast]
// The file-descriptor limit (ulimit -n) is per process: the idle clients are split over --idle-procs load
// processes and --nodes server processes, so each holds a share.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  children,
  k,
  Load,
  ms,
  collectAndMeasure,
  type MemoryReport,
  rssOf,
  runRateSteps,
  type Step,
  sleep,
  startServer,
  stopProcess,
} from './chat-harness.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const CLIENTS = Number(arg('clients', '1000'));
const NODES = Number(arg('nodes', '3'));
const PROCS = Number(arg('procs', '6'));
const RATES = arg('rates', '10000,20000,50000,100000').split(',').map(Number);
const STEP_MS = Number(arg('step-ms', '2000'));
const WARMUP_MS = 500;
const IDLE_CLIENTS = Number(arg('idle', '30000'));
const IDLE_PROCS = Number(arg('idle-procs', '6'));
const BROADCAST = !process.argv.includes('--no-broadcast');
const SENDERS_PER_PROC = 5;
const REDIS_SERVER = process.env.PLAINWIRE_REDIS_SERVER ?? 'redis-server';

/** A throwaway redis-server on a free loopback port, no persistence. */
class BenchRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'plainwire-bench-redis-'));
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    this.port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn(REDIS_SERVER, [...args, '--dir', this.dir], { stdio: 'ignore' });
    children.add(this.child);
    for (let i = 0; i < 200; i++) {
      if (await this.ping()) return;
      await sleep(50);
    }
    throw new Error(`${REDIS_SERVER} did not answer PING on port ${this.port}`);
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.on('error', () => resolve(false));
    });
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three (--nodes) nodes on Redis, one chat-server alone, or one node on Redis alone (no view of others). */
type Kind = 'single' | 'cluster' | 'alone';

async function startNodes(kind: Kind, redis: BenchRedis, nodeArgs: string[] = []) {
  if (kind === 'single') return [await startServer('chat', nodeArgs)];
  if (kind === 'alone') return [await startServer('node', nodeArgs, [redis.url])];
  const nodes = [];
  for (let i = 0; i < NODES; i++) nodes.push(await startServer('node', nodeArgs, [redis.url]));
  return nodes;
}

/** Load processes, the i-th on node i % nodes, with `total` clients split between them. */
async function connectLoads(
  ports: number[],
  procs: number,
  total: number,
  senders: number,
  registerLater: boolean,
): Promise<Load[]> {
  const loads = Array.from({ length: procs }, () => new Load());
  const share = Math.ceil(total / procs);
  await Promise.all(
    loads.map((load, i) =>
      load.ask({
        cmd: 'connect',
        port: ports[i % ports.length]!,
        prefix: `u${i}x`,
        from: 0,
        count: Math.max(0, Math.min(share, total - i * share)),
        senders,
        registerLater,
      }),
    ),
  );
  return loads;
}

async function broadcastRun(kind: Kind, redis: BenchRedis): Promise<Step[]> {
  const nodes = await startNodes(kind, redis);
  const loads = await connectLoads(
    nodes.map((n) => n.port),
    PROCS,
    CLIENTS,
    SENDERS_PER_PROC,
    false,
  );
  // Measure once every node knows every user and the news of their arrival is out.
  await Promise.all(nodes.map((n) => listsAll(n.port, CLIENTS)));
  await sleep(1000);
  // The first step also warms up the code paths (JIT) of every process: it gets longer before measuring.
  const steps = await runRateSteps(loads, RATES, {
    clients: CLIENTS,
    warmupMs: WARMUP_MS,
    firstWarmupMs: 4 * WARMUP_MS,
    stepMs: STEP_MS,
  });
  await Promise.all(loads.map((l) => l.close()));
  await Promise.all(nodes.map((n) => stopProcess(n.child)));
  return steps;
}

/** Asks USERS on a node until it counts `total` users; resolves with the seconds it took (or NaN after 60 s). */
async function listsAll(port: number, total: number): Promise<number> {
  const started = performance.now();
  const socket = net.connect({ port, host: '127.0.0.1' });
  let buffer = '';
  let count = -1;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    for (const m of buffer.matchAll(/OK USERS (\d+)/g)) count = Number(m[1]);
    buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
  });
  try {
    while (performance.now() - started < 60_000) {
      socket.write('USERS\n');
      await sleep(100);
      if (count === total) return (performance.now() - started) / 1000;
    }
    return Number.NaN;
  } finally {
    socket.destroy();
  }
}

interface IdleFigures {
  rss: number[];
  registering: number;
  listed: number;
  /** Per node: memory with no client, and with its share of the clients (both after full collections). */
  empty: MemoryReport[];
  held: MemoryReport[];
}

async function idleRun(kind: Kind, redis: BenchRedis, clients: number): Promise<IdleFigures> {
  const nodes = await startNodes(kind, redis, ['--expose-gc']);
  const ports = nodes.map((n) => n.port);
  const empty = await Promise.all(nodes.map((n) => collectAndMeasure(n.child)));
  const procs = Math.max(1, Math.round((IDLE_PROCS * clients) / IDLE_CLIENTS));
  const loads = await connectLoads(ports, procs, clients, 0, true);
  const started = performance.now();
  await Promise.all(loads.map((l) => l.ask({ cmd: 'register' }, 300_000)));
  const registering = (performance.now() - started) / 1000;
  const listed = Math.max(...(await Promise.all(ports.map((p) => listsAll(p, clients)))));
  const held = await Promise.all(nodes.map((n) => collectAndMeasure(n.child)));
  const rss = nodes.map((n) => rssOf(n.child.pid!).rss);
  await Promise.all(loads.map((l) => l.close()));
  await Promise.all(nodes.map((n) => stopProcess(n.child)));
  return { rss, registering, listed, empty, held };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Where a node's memory is, and what one client costs it (over the same node with none). */
function memoryLine(label: string, clients: number, empty: MemoryReport, held: MemoryReport): string {
  const a = held.after;
  const per = (field: keyof NodeJS.MemoryUsage) =>
    ((a[field] - empty.after[field]) / clients / 1024).toFixed(2);
  return (
    `memory ${label}: rss ${mb(held.before.rss)} MB right after registering, ${mb(a.rss)} MB settled; heap ` +
    `used ${mb(a.heapUsed)} MB of ${mb(a.heapTotal)}, young generation ${mb(held.spaces.new_space ?? 0)} MB, ` +
    `external ${mb(a.external)} MB (array buffers ${mb(a.arrayBuffers)} MB), outside the heap ` +
    `${mb(a.rss - a.heapTotal - a.external)} MB; per client over an empty node (${mb(empty.after.rss)} MB): rss ` +
    `${per('rss')} KB, heap used ${per('heapUsed')} KB`
  );
}

const redis = new BenchRedis();
await redis.start();
console.log(
  `# bench:cluster-chat: ${CLIENTS} registered clients over ${PROCS} load processes, ${SENDERS_PER_PROC * PROCS} ` +
    `senders, ${STEP_MS} ms per step: ${NODES} chat-server --redis nodes (the load processes spread over them) ` +
    'against one chat-server alone; flood limits raised (the bench measures delivery); ratio = cluster/single ' +
    `delivered. Then ${IDLE_CLIENTS} idle clients over ${NODES} nodes, registered all at once.`,
);
if (BROADCAST) {
  const cluster = await broadcastRun('cluster', redis);
  const single = await broadcastRun('single', redis);
  for (let i = 0; i < cluster.length; i++) {
    const c = cluster[i]!;
    const s = single[i]!;
    console.log(
      `cluster broadcast ${CLIENTS} clients on ${NODES} nodes, offered ${k(c.offered)} deliveries/s: ` +
        `${k(c.delivered)}/s delivered, p50 ${ms(c.p50)} ms, p99 ${ms(c.p99)} ms; single node ${k(s.delivered)}/s, ` +
        `p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms; ratio ${(c.delivered / s.delivered).toFixed(2)}`,
    );
  }
  const best = (steps: Step[]) => Math.max(...steps.map((s) => s.delivered));
  console.log(
    `cluster broadcast peak: ${k(best(cluster))} deliveries/s on ${NODES} nodes, single node ${k(best(single))}/s; ` +
      `ratio ${(best(cluster) / best(single)).toFixed(2)} (target at least 0.7)`,
  );
}
if (IDLE_CLIENTS > 0) {
  const c = await idleRun('cluster', redis, IDLE_CLIENTS);
  // The baseline: one chat-server alone holding one node's share of the clients.
  const share = Math.ceil(IDLE_CLIENTS / NODES);
  const s = await idleRun('single', redis, share);
  // The same share on one node with --redis and no other node: what the link itself costs per client.
  const alone = await idleRun('alone', redis, share);
  for (const [i, held] of c.held.entries())
    console.log(memoryLine(`cluster node ${i} (${share} of ${IDLE_CLIENTS})`, share, c.empty[i]!, held));
  console.log(memoryLine(`one node with --redis alone (${share})`, share, alone.empty[0]!, alone.held[0]!));
  console.log(memoryLine(`one server without --redis (${share})`, share, s.empty[0]!, s.held[0]!));
  const rss = c.rss.map((r) => `${r.toFixed(0)} MB`).join(', ');
  const early = c.held.map((h) => `${mb(h.before.rss)} MB`).join(', ');
  const most = Math.max(...c.rss);
  console.log(
    `cluster idle: ${IDLE_CLIENTS} registered clients over ${NODES} node processes, RSS per node settled ` +
      `${rss} (target under 150 MB each; right after registering ${early}), registered in ${c.registering.toFixed(1)} s, every node listed all of them ` +
      `${c.listed.toFixed(1)} s later; single node alone with ${share}: RSS ${s.rss[0]!.toFixed(0)} MB, ` +
      `registered in ${s.registering.toFixed(1)} s; ratio ${(s.rss[0]! / most).toFixed(2)} (single/largest node RSS)`,
  );
}
await redis.stop();
process.exit(0);
