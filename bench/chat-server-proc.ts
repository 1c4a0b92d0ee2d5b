// A server process for `npm run bench:chat`: either the real ChatServer (with its info logs as JSON to the
// child's stderr, which the bench discards, and flood limits raised so the bench measures delivery, not the
// bucket) or the baseline: a minimal coalescing node:net broadcast server speaking the subset of the protocol
// the load uses; or, as "node <redis-url>", one node of a chat cluster (chat-server --redis). Prints
// "PORT <n>" on stdout once listening.
import net from 'node:net';
import path from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
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
process.on('SIGTERM', () => process.exit(0));
// With --expose-gc, SIGUSR2 collects garbage: the bench measures what holding the clients costs, not what is
// left over from registering them. The second collection is V8's memory-reducing one ("last resort"): it also
// shrinks the young generation and gives back the pages V8 keeps after a burst of allocation, as V8's memory
// reducer does by itself once the process has been idle a while (tens of seconds). Then it prints "MEMORY
// <JSON>": process.memoryUsage() before and after, V8's heap statistics and each heap space's size (and,
// with CHAT_BENCH_HEAP_DIR set, writes a heap snapshot there first, to see what is kept per user).
const gc = (globalThis as { gc?: (options?: object) => void }).gc;
if (gc) {
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    gc();
    setTimeout(() => {
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const dir = process.env.CHAT_BENCH_HEAP_DIR;
      if (dir) writeHeapSnapshot(path.join(dir, `${kind}-${process.pid}.heapsnapshot`));
      const after = process.memoryUsage();
      const spaces = Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]),
      );
      process.stdout.write(
        `MEMORY ${JSON.stringify({ before, after, heap: getHeapStatistics(), spaces })}\n`,
      );
    }, 500);
  });
}
// Last: the bench may signal the process as soon as it reads the port, and SIGUSR2 unhandled would kill it.
process.stdout.write(`PORT ${port}\n`);
