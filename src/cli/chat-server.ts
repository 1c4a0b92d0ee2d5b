// `plainwire chat-server`: the TCP chat server (docs/PROTOCOL.md), with its limits as options.
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_LEASE_MS } from '../chat/cluster/link.js';
import { DEFAULT_FLOOD_LIMITS } from '../chat/flood.js';
import { DEFAULT_ROOM_LIMITS } from '../chat/room.js';
import { ChatServer, DEFAULT_IDLE_MS, DEFAULT_PING_TIMEOUT_MS } from '../chat/server.js';
import { normalizeOrigin } from '../chat/web/origin.js';
import { ChatWebServer, DEFAULT_WEB_PORT } from '../chat/web/server.js';
import { createLogger, type Logger } from '../log.js';
import { formatHostPort } from '../text/host-port.js';
import { parsePort, parsePositiveInt, parseRedisUrl, parseSeconds } from './options.js';
import { describeListenError, type RunningServer, runServer } from './server-run.js';

interface ChatServerCliOptions {
  host: string;
  port: number;
  idle: number;
  pingTimeout: number;
  floodBurst: number;
  floodRate: number;
  floodMaxQueued: number;
  maxLineBytes: number;
  maxGroups: number;
  maxGroupsPerUser: number;
  listLimit: number;
  presenceLimit: number;
  web?: number | true;
  webOrigin: string[];
  redis?: string;
  redisLease: number;
}

export function register(program: Command): void {
  program
    .command('chat-server')
    .description(
      'TCP chat server: screen names, broadcast, private messages, groups (protocol: docs/PROTOCOL.md)',
    )
    .option('--host <host>', 'address to listen on (0.0.0.0 or :: for every interface)', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 8090)
    .option('--idle <seconds>', 'PING a client silent this long', parseSeconds(), DEFAULT_IDLE_MS / 1000)
    .option(
      '--ping-timeout <seconds>',
      'drop a PINGed client that says nothing for this long',
      parseSeconds(),
      DEFAULT_PING_TIMEOUT_MS / 1000,
    )
    .option(
      '--flood-burst <n>',
      'commands a client may send at once',
      parsePositiveInt,
      DEFAULT_FLOOD_LIMITS.burst,
    )
    .option(
      '--flood-rate <n>',
      'commands per second after the burst (more are delayed)',
      parsePositiveInt,
      DEFAULT_FLOOD_LIMITS.ratePerSecond,
    )
    .option(
      '--flood-max-queued <n>',
      'a client with more delayed commands than this is disconnected',
      parsePositiveInt,
      DEFAULT_FLOOD_LIMITS.maxQueued,
    )
    .option('--max-line-bytes <n>', 'longest command line accepted', parsePositiveInt, 4096)
    .option('--max-groups <n>', 'groups the chat may have', parsePositiveInt, DEFAULT_ROOM_LIMITS.maxGroups)
    .option(
      '--max-groups-per-user <n>',
      'groups one user may be in at once',
      parsePositiveInt,
      DEFAULT_ROOM_LIMITS.maxGroupsPerUser,
    )
    .option(
      '--list-limit <n>',
      'names or groups in one USERS or GROUPS reply (the rest a page at a time)',
      parsePositiveInt,
      DEFAULT_ROOM_LIMITS.listLimit,
    )
    .option(
      '--presence-limit <n>',
      'beyond this many users, JOINED/LEFT/RENAMED go only to those who share a group no larger than this',
      parsePositiveInt,
      DEFAULT_ROOM_LIMITS.presenceLimit,
    )
    .option(
      '--web [port]',
      `also serve the web client (default port ${DEFAULT_WEB_PORT}; docs/WEB.md)`,
      parsePort,
    )
    .option(
      '--web-origin <origin>',
      'another origin whose pages may open the WebSocket (http://host:port; repeat or separate with commas)',
      collectOrigins,
      [],
    )
    .option(
      '--redis <url>',
      'join the other chat-server nodes using this Redis (redis://HOST:PORT) into one chat (docs/SCALE.md)',
      parseRedisUrl,
    )
    .option(
      '--redis-lease <seconds>',
      "with --redis: a dead node's names are free this long after its last heartbeat",
      parseSeconds(),
      DEFAULT_LEASE_MS / 1000,
    )
    .addHelpText(
      'after',
      `
Example:
  $ plainwire chat-server --port 8090
  $ telnet 127.0.0.1 8090          (or: plainwire connect 127.0.0.1 8090, or: plainwire chat --name ada)
  HELLO plainwire chat: type HELP for the commands, then REGISTER <name>
  REGISTER ada
  OK REGISTERED ada
  MESSAGE hello, everyone
  OK SENT 0

Web client (same room, names and limits as TCP users):
  $ plainwire chat-server --web    then open http://127.0.0.1:8080/

Several nodes, one chat (names, USERS, GROUPS and every message across nodes; docs/SCALE.md):
  $ redis-server --port 6379 --save '' --appendonly no
  $ plainwire chat-server --port 8090 --redis redis://127.0.0.1:6379
  $ plainwire chat-server --port 8091 --redis redis://127.0.0.1:6379
  $ plainwire chat 127.0.0.1:8090,127.0.0.1:8091 --name ada     (moves to the other node if one dies)
  If Redis cannot be reached a node starts anyway, alone, with a warning, and joins when Redis answers;
  its users are told (NOTICE) whenever the link goes down or comes back.

Logs go to stderr (human-readable on a terminal, JSON lines on a pipe; PLAINWIRE_LOG_LEVEL=warn quiets them).`,
    )
    .action(async (opts: ChatServerCliOptions) => {
      const logger = createLogger('chat-server');
      // Loaded only for a cluster: a lone chat server never loads the Redis client.
      const { RedisLink } = opts.redis !== undefined ? await import('../chat/cluster/redis-link.js') : {};
      const server = new ChatServer({
        logger,
        idleMs: opts.idle * 1000,
        pingTimeoutMs: opts.pingTimeout * 1000,
        maxLineBytes: opts.maxLineBytes,
        maxGroups: opts.maxGroups,
        maxGroupsPerUser: opts.maxGroupsPerUser,
        listLimit: opts.listLimit,
        presenceLimit: opts.presenceLimit,
        flood: { burst: opts.floodBurst, ratePerSecond: opts.floodRate, maxQueued: opts.floodMaxQueued },
        ...(opts.redis !== undefined && RedisLink
          ? { cluster: new RedisLink({ url: opts.redis, leaseMs: opts.redisLease * 1000, logger }) }
          : {}),
      });
      await runServer({
        command: 'chat-server',
        host: opts.host,
        port: opts.port,
        start: async () => {
          await server.start({ host: opts.host, port: opts.port });
          if (opts.web === undefined) return server;
          return startWeb(server, opts, opts.web === true ? DEFAULT_WEB_PORT : opts.web, logger);
        },
      });
    });
}

/** --web-origin, given once or more, each time one origin or several separated by commas. */
function collectOrigins(value: string, previous: string[]): string[] {
  const origins = value.split(',').filter((o) => o.trim() !== '');
  try {
    return [...previous, ...origins.map((o) => normalizeOrigin(o.trim()))];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Serves the web client beside the chat; a failure to start it stops the chat too, with a line saying why. */
async function startWeb(
  chat: ChatServer,
  opts: ChatServerCliOptions,
  port: number,
  logger: Logger,
): Promise<RunningServer> {
  let web: ChatWebServer;
  try {
    web = new ChatWebServer(chat, {
      maxLineBytes: opts.maxLineBytes,
      allowedOrigins: opts.webOrigin,
      logger,
    });
    const address = await web.start({ host: opts.host, port });
    logger.info(`web client on http://${formatHostPort(address.host, address.port)}/`);
  } catch (err) {
    await chat.stop();
    const listen = (err as NodeJS.ErrnoException).code !== undefined;
    const line = listen
      ? describeListenError('chat-server', opts.host, port, err).replace('use --port', 'use --web PORT')
      : `plainwire chat-server: ${(err as Error).message}`;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  return {
    stop: async () => {
      await chat.stop();
      await web.stop();
    },
  };
}
