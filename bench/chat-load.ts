// A load process for `npm run bench:chat`: holds a share of the registered clients, makes some of them send
// broadcasts at the rate the parent asks, and records how long each delivery took (send to receipt, on the
// machine-wide monotonic clock, so the sender and the receiver may be different processes).
import net from 'node:net';
import { BUCKET_COUNT, bucketOf } from './chat-histogram.js';

export type LoadCommand =
  | {
      cmd: 'connect';
      port: number;
      prefix: string;
      from: number;
      count: number;
      senders: number;
      /** Register this many at a time, waiting for the presence news to be read before the next wave. */
      wave?: number;
      /** Only connect (and read the greeting); a later `register` command registers them. */
      registerLater?: boolean;
    }
  | { cmd: 'register' }
  /** The first `count` clients of this process send `line` over and over, each waiting for its reply. */
  | { cmd: 'ask'; count: number; line: string }
  | { cmd: 'stop-asking' }
  /** The last client sends PING `count` times, one after the other, and reports each round trip. */
  | { cmd: 'ping'; count: number }
  | { cmd: 'rate'; broadcastsPerSecond: number }
  | { cmd: 'reset' }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export type LoadEvent =
  | { ev: 'connected'; count: number }
  | { ev: 'registered'; count: number }
  | { ev: 'asked'; replies: number; elapsedMs: number }
  | { ev: 'pinged'; roundTripsMs: number[] }
  | { ev: 'stats'; deliveries: number; elapsedMs: number; histogram: number[] }
  | { ev: 'error'; message: string };

/** Microseconds on CLOCK_MONOTONIC (the same clock in every process), kept well inside a double's precision. */
function nowMicros(): number {
  const [s, ns] = process.hrtime();
  return (s % 1_000_000) * 1_000_000 + Math.floor(ns / 1000);
}

interface Client {
  socket: net.Socket;
  tail: Buffer | undefined;
  onReply: (() => void) | undefined;
}

const clients: Client[] = [];
const senders: Client[] = [];
let histogram = new Array<number>(BUCKET_COUNT).fill(0);
let deliveries = 0;
let since = performance.now();
let rateTimer: NodeJS.Timeout | undefined;

const NL = 0x0a;
const M = 0x4d; // 'M'ESSAGE
const O = 0x4f; // 'O'K
const E = 0x45; // 'E'RROR

function onLine(client: Client, buf: Buffer, start: number, end: number): void {
  const first = buf[start];
  if (first === M) {
    // MESSAGE <from> <micros> x
    const a = buf.indexOf(0x20, start + 8);
    if (a < 0 || a >= end) return;
    const b = buf.indexOf(0x20, a + 1);
    const sent = Number(buf.toString('latin1', a + 1, b < 0 || b > end ? end : b));
    const latency = nowMicros() - sent;
    if (Number.isFinite(latency) && latency >= 0) {
      histogram[bucketOf(latency)]!++;
      deliveries++;
    }
  } else if (first === O || first === E) {
    const done = client.onReply;
    client.onReply = undefined;
    done?.();
  }
}

let lastData = 0;
// Longer than the server's largest presence window (250 ms), so a quiet spell means the news was all read.
const QUIET_MS = Number(process.env.CHAT_BENCH_QUIET_MS ?? 300);

/** Resolves once nothing has arrived for `ms`: the server's news about the last wave has been read. */
async function quiet(ms: number): Promise<void> {
  for (;;) {
    const idle = performance.now() - lastData;
    if (idle >= ms) return;
    await new Promise((r) => setTimeout(r, ms - idle));
  }
}

function onData(client: Client, chunk: Buffer): void {
  lastData = performance.now();
  const buf = client.tail ? Buffer.concat([client.tail, chunk]) : chunk;
  let start = 0;
  let nl = buf.indexOf(NL, start);
  while (nl >= 0) {
    if (nl > start) onLine(client, buf, start, nl);
    start = nl + 1;
    nl = buf.indexOf(NL, start);
  }
  client.tail = start < buf.length ? buf.subarray(start) : undefined;
}

function connectOne(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const client: Client = { socket, tail: undefined, onReply: undefined };
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => onData(client, chunk));
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(client);
    });
  });
}

function register(client: Client, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // A connection the server dropped (or never accepted: a full listen backlog) must fail the run, not hang it.
    const lost = () => reject(new Error(`${name}: the connection closed before the reply to REGISTER`));
    if (client.socket.destroyed) return lost();
    client.socket.once('close', lost);
    client.onReply = () => {
      client.socket.off('close', lost);
      resolve();
    };
    client.socket.write(`REGISTER ${name}\n`);
  });
}

/**
 * Connects every client first, then registers them all in one burst: each registration tells everyone
 * already registered (JOINED), and registrations that reach the server in the same turn share its writes.
 */
let unregistered: { clients: Client[]; c: Extract<LoadCommand, { cmd: 'connect' }> } | undefined;

async function connectAll(c: Extract<LoadCommand, { cmd: 'connect' }>): Promise<void> {
  const fresh: Client[] = [];
  let next = 0;
  const worker = async () => {
    while (next < c.count) {
      next++;
      fresh.push(await connectOne(c.port));
    }
  };
  // A few connects in flight per process: the server's listen backlog (511) overflows on a busy machine with
  // more, and a connection the kernel dropped from a full backlog fails the run later.
  await Promise.all(Array.from({ length: Math.min(50, c.count) }, worker));
  if (c.registerLater) {
    unregistered = { clients: fresh, c };
    return;
  }
  await registerAll(fresh, c);
}

async function registerAll(fresh: Client[], c: Extract<LoadCommand, { cmd: 'connect' }>): Promise<void> {
  const wave = c.wave ?? fresh.length;
  for (let start = 0; start < fresh.length; start += wave) {
    const batch = fresh.slice(start, start + wave);
    await Promise.all(batch.map((client, i) => register(client, `${c.prefix}${c.from + start + i}`)));
    if (wave < fresh.length) await quiet(QUIET_MS);
  }
  clients.push(...fresh);
  senders.push(...fresh.slice(0, c.senders));
}

function setRate(perSecond: number): void {
  clearInterval(rateTimer);
  if (perSecond <= 0 || senders.length === 0) return;
  const started = performance.now();
  let sent = 0;
  let turn = 0;
  rateTimer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond) - sent;
    for (let i = 0; i < due; i++) {
      const sender = senders[turn++ % senders.length]!;
      sender.socket.write(`MESSAGE ${nowMicros()} x\n`);
      sent++;
    }
  }, 5);
}

/** Resolves with the next reply on this client. */
function nextReply(client: Client, line: string): Promise<void> {
  return new Promise((resolve) => {
    client.onReply = resolve;
    client.socket.write(`${line}\n`);
  });
}

let asking = false;
let asked = 0;
let askingSince = 0;
let askersDone: Promise<unknown> = Promise.resolve();

function startAsking(count: number, line: string): void {
  asking = true;
  asked = 0;
  askingSince = performance.now();
  askersDone = Promise.all(
    clients.slice(0, count).map(async (client) => {
      while (asking && !client.socket.destroyed) {
        await nextReply(client, line);
        asked++;
      }
    }),
  );
}

async function pingRoundTrips(count: number): Promise<number[]> {
  const client = clients.at(-1)!;
  const trips: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    await nextReply(client, `PING ${i}`);
    trips.push(performance.now() - sent);
  }
  return trips;
}

function reply(event: LoadEvent): void {
  process.send!(event);
}

process.on('message', (message: LoadCommand) => {
  switch (message.cmd) {
    case 'connect':
      connectAll(message).then(
        () => reply({ ev: 'connected', count: clients.length }),
        (err: Error) => reply({ ev: 'error', message: err.message }),
      );
      break;
    case 'register': {
      const pending = unregistered;
      unregistered = undefined;
      if (!pending) {
        reply({ ev: 'error', message: 'register: no clients connected with registerLater' });
        break;
      }
      registerAll(pending.clients, pending.c).then(
        () => reply({ ev: 'registered', count: clients.length }),
        (err: Error) => reply({ ev: 'error', message: err.message }),
      );
      break;
    }
    case 'ask':
      startAsking(message.count, message.line);
      break;
    case 'stop-asking': {
      asking = false;
      const elapsedMs = performance.now() - askingSince;
      askersDone.then(() => reply({ ev: 'asked', replies: asked, elapsedMs }));
      break;
    }
    case 'ping':
      pingRoundTrips(message.count).then(
        (roundTripsMs) => reply({ ev: 'pinged', roundTripsMs }),
        (err: Error) => reply({ ev: 'error', message: err.message }),
      );
      break;
    case 'rate':
      setRate(message.broadcastsPerSecond);
      break;
    case 'reset':
      histogram = new Array<number>(BUCKET_COUNT).fill(0);
      deliveries = 0;
      since = performance.now();
      break;
    case 'collect':
      reply({ ev: 'stats', deliveries, elapsedMs: performance.now() - since, histogram });
      break;
    case 'close':
      clearInterval(rateTimer);
      for (const c of clients) c.socket.destroy();
      process.exit(0);
  }
});
