// Line framework fan-out: one server relays every line it gets to 200 listeners. Compares LineServer (output
// coalesced once per event-loop turn) with a plain node:net relay that writes each line to each socket at once,
// in the same run. The listeners live in a child process so they do not steal the server's core.
// Run: npm run build && node dist/bench/line.js [listeners]
import { fork } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Connection, LineServer } from '../src/line/index.js';

const LISTENERS = Number(process.argv[3] ?? process.argv[2] ?? 200) || 200;
const LINE = 'MESSAGE ana hello everyone, this is a chat line';

class RelayServer extends LineServer {
  protected override onMessage(from: Connection, line: string): void {
    for (const conn of this.connections) if (conn !== from) conn.send(line);
  }
}

/** The baseline: what a straightforward node:net server does, one write per line per listener. */
function startPlainRelay(): Promise<{ server: Server; port: number; clients: () => number }> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        for (const s of sockets) if (s !== socket) s.write(`${line}\n`);
        nl = pending.indexOf('\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, clients: () => sockets.size }),
    ),
  );
}

// ----- the listener process: connects, counts lines, reports when every socket has seen `target` -----
if (process.argv[2] === 'listeners') {
  let sockets: Socket[] = [];
  process.on('message', async (msg: { cmd: string; port?: number; count?: number; target?: number }) => {
    if (msg.cmd === 'connect') {
      sockets = await Promise.all(
        Array.from(
          { length: msg.count! },
          () =>
            new Promise<Socket>((resolve) => {
              const s = connect({ port: msg.port!, host: '127.0.0.1' }, () => resolve(s));
            }),
        ),
      );
      process.send!({ cmd: 'connected' });
    } else if (msg.cmd === 'expect') {
      let done = 0;
      for (const s of sockets) {
        let seen = 0;
        s.removeAllListeners('data');
        s.on('data', (chunk: Buffer) => {
          let at = chunk.indexOf(10);
          while (at !== -1) {
            seen++;
            at = chunk.indexOf(10, at + 1);
          }
          if (seen === msg.target!) {
            done++;
            if (done === sockets.length) process.send!({ cmd: 'done' });
          }
        });
      }
      process.send!({ cmd: 'ready' });
    } else if (msg.cmd === 'close') {
      for (const s of sockets) s.destroy();
      process.exit(0);
    }
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const coalesced = new RelayServer({ maxOutputBytes: 64 * 1024 * 1024 });
  const { port: coalescedPort } = await coalesced.start();
  const plain = await startPlainRelay();
  // Sized so each run takes a few seconds on a small machine.
  const lineRate = await measure(self, coalescedPort, 40_000, () => coalesced.connections.size);
  const baseRate = await measure(self, plain.port, 2_000, plain.clients);
  await coalesced.stop();
  plain.server.close();
  const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
  process.stdout.write(
    `line fan-out to ${LISTENERS} listeners: ${fmt(lineRate)} deliveries/s coalesced, baseline (a write per line) ${fmt(baseRate)}/s, ratio ${(lineRate / baseRate).toFixed(1)}\n`,
  );
  process.exit(0);
}

/** Sends `lines` lines through the relay on `port`; returns deliveries per second to all listeners. */
async function measure(self: string, port: number, lines: number, accepted: () => number): Promise<number> {
  const child = fork(self, ['listeners'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (cmd: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench: no "${cmd}" from the listeners in 60 s`)),
        60_000,
      );
      child.on('message', function onMessage(m: { cmd: string }) {
        if (m.cmd === cmd) {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve();
        }
      });
    });
  child.send({ cmd: 'connect', port, count: LISTENERS });
  await next('connected');
  const sender = await new Promise<Socket>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
  });
  // The clock starts once the server has accepted everyone.
  for (let waited = 0; accepted() < LISTENERS + 1 && waited < 10_000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  child.send({ cmd: 'expect', target: lines });
  await next('ready');
  const done = next('done');
  const started = process.hrtime.bigint();
  const batch = `${LINE}\n`.repeat(100);
  for (let sent = 0; sent < lines; sent += 100) {
    if (!sender.write(batch)) await new Promise((r) => sender.once('drain', r));
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sender.destroy();
  child.send({ cmd: 'close' });
  return (lines * LISTENERS) / seconds;
}
