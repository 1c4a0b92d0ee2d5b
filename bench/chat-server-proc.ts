// A server process for `npm run bench:chat`: either the real ChatServer (with its info logs as JSON to the
// child's stderr, which the bench discards, and flood limits raised so the bench measures delivery, not the
// bucket) or the baseline: a minimal coalescing node:net broadcast server speaking the subset of the protocol
// the load uses; or, as "node <redis-url>", one node of a chat cluster (chat-server --redis). Prints
// "PORT <n>" on stdout once listening.
import net from 'node:net';
import { RedisLink } from '../src/chat/cluster/redis-link.js';
import { ChatServer } from '../src/chat/server.js';
import { createLogger } from '../src/log.js';

const kind = process.argv[2];

/**
 * The baseline: REGISTER and MESSAGE only (no presence news, no checks, no limits); every line queued in a turn
 * leaves in one write per socket.
 */
function startBaseline(): Promise<number> {
  const names = new Map<net.Socket, string>();
  const pending = new Map<net.Socket, string>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const [socket, out] of pending) if (!socket.destroyed) socket.write(out);
    pending.clear();
  };
  const queue = (socket: net.Socket, line: string) => {
    pending.set(socket, (pending.get(socket) ?? '') + line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    queue(socket, 'HELLO baseline\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (line.startsWith('MESSAGE ')) {
          const from = names.get(socket);
          const out = `MESSAGE ${from} ${line.slice(8)}\n`;
          let n = 0;
          for (const other of names.keys()) {
            if (other !== socket) {
              queue(other, out);
              n++;
            }
          }
          queue(socket, `OK SENT ${n}\n`);
        } else if (line.startsWith('REGISTER ')) {
          const name = line.slice(9);
          names.set(socket, name);
          queue(socket, `OK REGISTERED ${name}\n`);
        } else {
          queue(socket, 'ERROR UNKNOWN_COMMAND\n');
        }
      }
    });
    socket.on('close', () => {
      names.delete(socket);
      pending.delete(socket);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

async function startChat(redisUrl?: string): Promise<number> {
  const logger = createLogger('chat-server', { pretty: false });
  const server = new ChatServer({
    logger,
    flood: { burst: 1e9, ratePerSecond: 1e9, maxQueued: 1e9 },
    ...(redisUrl ? { cluster: new RedisLink({ url: redisUrl, logger }) } : {}),
  });
  return (await server.start({ port: 0 })).port;
}

const port =
  kind === 'baseline'
    ? await startBaseline()
    : await startChat(kind === 'node' ? process.argv[3] : undefined);
process.stdout.write(`PORT ${port}\n`);
process.on('SIGTERM', () => process.exit(0));
// With --expose-gc, SIGUSR2 collects garbage: the bench measures what holding the clients costs, not what
// is left over from registering them.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.on('SIGUSR2', () => {
    gc();
    // A second full collection a moment later lets V8 give back the pages the first one emptied.
    setTimeout(() => gc(), 500);
    if (process.env.CHAT_BENCH_DEBUG) process.stderr.write(`${JSON.stringify(process.memoryUsage())}\n`);
  });
}
