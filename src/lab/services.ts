// What the lab runs: one entry per service (its port slot, how to start it, what to show, how it stops). Adding a
// service is one more entry here.
import { formatHostPort } from '../text/host-port.js';
import { ChatServer } from '../chat/server.js';
import { ChatWebServer } from '../chat/web/server.js';
import type { Logger } from '../log.js';
import { loadEtcdEngine } from '../store/etcd-options.js';
import { startStoreServer } from '../store/server.js';
import { startStaticServer } from '../web/server.js';
import { storeDataDir } from './data-dir.js';
import type { PortName } from './ports.js';

/** Where a lab in cluster mode keeps its shared state: the store's data in etcd, the chat's in Redis. */
export interface ClusterLinks {
  /** Client URLs of the etcd members. */
  etcd: string[];
  /** redis://HOST:PORT */
  redis: string;
}

export interface ServiceContext {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** The lab's data directory; each service keeps its files in a directory of its own inside it. */
  dataDir: string;
  /** The sample site that serve shows. */
  siteDir: string;
  /** Set in cluster mode: the store and the chat server join their clusters instead of keeping state here. */
  cluster?: ClusterLinks;
  /** The services started before this one, by name (the web client serves the chat server's room). */
  started: ReadonlyMap<PortName, RunningService>;
}

export interface RunningService {
  host: string;
  port: number;
  /** Resolves once the service has said goodbye to its clients, closed its files and stopped listening. */
  stop(): Promise<void>;
  /** The chat server's room, for the services that serve it another way. */
  chat?: ChatServer;
}

export interface LabService {
  /** Its name in the table, in the logs and in --ports. */
  name: PortName;
  /** Resolves once it listens; on failure nothing of it is left running. */
  start(context: ServiceContext): Promise<RunningService>;
  /** Its URL or host:port, for the table. */
  where(address: { host: string; port: number }): string;
  /** One command to try it with; `cli` is how the user runs plainwire ("plainwire" or "npx plainwire"). */
  tryThis(address: { host: string; port: number }, cli: string): string;
}

/** An address a client can connect to: a server on every interface is reached on the loopback. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

function httpUrl(address: { host: string; port: number }): string {
  return `http://${formatHostPort(reachableHost(address.host), address.port)}/`;
}

const serve: LabService = {
  name: 'serve',
  async start({ host, port, logger, siteDir }) {
    // One line per request: the lab's log is read by people.
    const server = await startStaticServer({ root: siteDir, host, port, logger, logFields: false });
    logger.info(`listening on ${server.url} (serving ${server.root})`);
    return {
      host: server.host,
      port: server.port,
      stop: async () => {
        await server.stop();
        logger.info('stopped');
      },
    };
  },
  where: httpUrl,
  tryThis: (address, cli) => `${cli} browse ${httpUrl(address)}`,
};

const store: LabService = {
  name: 'store',
  async start({ host, port, logger, dataDir, cluster }) {
    // The server closes the engine on stop (after the last write is synced), and when it cannot listen.
    if (!cluster) return startStoreServer({ host, port, dataDir: storeDataDir(dataDir), logger });
    const engine = await loadEtcdEngine({ endpoints: cluster.etcd });
    return startStoreServer({
      host,
      port,
      engine,
      engineDescription: `etcd ${cluster.etcd.join(',')}`,
      logger,
    });
  },
  where: httpUrl,
  tryThis: (address) => `curl '${httpUrl(address)}?action=set&key=greeting&value=hello'`,
};

const chatServer: LabService = {
  name: 'chat-server',
  async start({ host, port, logger, cluster }) {
    // Loaded only for a cluster: a lone lab never loads the Redis client.
    const link = cluster
      ? new (await import('../chat/cluster/redis-link.js')).RedisLink({ url: cluster.redis, logger })
      : undefined;
    const server = new ChatServer({ logger, ...(link ? { cluster: link } : {}) });
    try {
      const address = await server.start({ host, port });
      // stop() tells every user "BYE server stopping" before closing.
      return { ...address, stop: () => server.stop(), chat: server };
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
  where: (address) => formatHostPort(reachableHost(address.host), address.port),
  tryThis: (address) => `telnet ${reachableHost(address.host)} ${address.port}`,
};

const chatWeb: LabService = {
  name: 'chat-web',
  async start({ host, port, logger, started }) {
    const chat = started.get('chat-server')?.chat;
    if (!chat) throw new Error('the chat web client needs the chat server, which did not start');
    // Web users are connections of the same ChatServer: one room, one name space, the same limits.
    const web = new ChatWebServer(chat, { logger });
    const address = await web.start({ host, port });
    logger.info(`listening on ${httpUrl(address).slice(0, -1)} (the chat server's web client)`);
    return {
      ...address,
      stop: async () => {
        await web.stop();
        logger.info('stopped');
      },
    };
  },
  where: httpUrl,
  tryThis: (address) => `open ${httpUrl(address)} in a web browser`,
};

/** Started in this order, stopped all at once. */
export const LAB_SERVICES: readonly LabService[] = [serve, store, chatServer, chatWeb];
