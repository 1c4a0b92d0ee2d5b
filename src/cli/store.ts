// `plainwire store`: run the durable key-value store over HTTP (thin: options -> startStoreServer).
import { type Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../log.js';
import { assertUsableToken } from '../store/client-protocol.js';
import { DEFAULT_MAX_CONNECTIONS } from '../store/connections.js';
import { DEFAULT_DISK_RESERVE_BYTES } from '../store/disk-space.js';
import { DEFAULT_ETCD_PREFIX, DEFAULT_ETCD_TIMEOUT_MS, loadEtcdEngine } from '../store/etcd-options.js';
import { parseAllowedOrigin } from '../store/origin.js';
import { EngineOpenError, startStoreServer } from '../store/server.js';
import { parseEtcdUrls, parsePort, parsePositiveInt } from './options.js';
import { runServer } from './server-run.js';

interface StoreCliOptions {
  host: string;
  port: number;
  data?: string;
  memory?: boolean;
  token?: string;
  private?: boolean;
  maxValue: number;
  diskReserve: number;
  allowOrigin: string[];
  maxConnections: number;
  etcd?: string[];
  etcdPrefix: string;
  etcdTimeout: number;
}

export function register(program: Command): void {
  program
    .command('store')
    .description(
      'run the key-value state store over HTTP (durable, lmdb; or stateless nodes over etcd), compatible with the lab URL API',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 8001)
    .option('--data <dir>', 'data directory (created if missing)', './plainwire-data/store')
    .option('--memory', 'keep everything in memory instead (lost on exit)')
    .option(
      '--etcd <urls>',
      'keep the data in this etcd cluster instead (client URLs, comma-separated); any number of stores may share it',
      parseEtcdUrls,
    )
    .option(
      '--etcd-prefix <prefix>',
      'with --etcd: the etcd key prefix the store keeps its keys under',
      DEFAULT_ETCD_PREFIX,
    )
    .option(
      '--etcd-timeout <ms>',
      'with --etcd: how long an etcd call may take before the request gets 503 (504: a write sent, not confirmed)',
      parsePositiveInt,
      DEFAULT_ETCD_TIMEOUT_MS,
    )
    .option('--token <secret>', 'writes need "Authorization: Bearer <secret>" or token=<secret>', parseToken)
    .option('--private', 'reads need the token too (with --token)')
    .option('--max-value <bytes>', 'largest value accepted, in bytes', parsePositiveInt, 1024 * 1024)
    .option(
      '--allow-origin <origin>',
      "let web pages from this origin (scheme://host[:port], or '*' for any) write; repeatable",
      collectOrigin,
      [],
    )
    .option(
      '--max-connections <n>',
      'open connections at most, watches included (more get 503)',
      parsePositiveInt,
      DEFAULT_MAX_CONNECTIONS,
    )
    .option(
      '--disk-reserve <bytes>',
      'free disk space a set must leave, kept for deletes (sets that would not get 507; 0: no check)',
      parseWholeNumber,
      DEFAULT_DISK_RESERVE_BYTES,
    )
    .addHelpText(
      'after',
      `
Examples:
  plainwire store                                  # http://127.0.0.1:8001/, data in ./plainwire-data/store
  plainwire store --memory --port 0
  plainwire store --data /var/lib/plainwire --host 0.0.0.0 --token s3cret
  plainwire store --etcd http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379 --port 8001
  curl 'http://127.0.0.1:8001/?action=set&key=greeting&value=hello'
  curl 'http://127.0.0.1:8001/?action=get&key=greeting'

Limits (docs/STORE-API.md, "Limits and timeouts"): keys 1 KiB, values --max-value; headers within 10 s, a
whole request within 30 s, a body may not stall for 5 s (408); --max-connections open at once (503 beyond);
sets leave --disk-reserve free on the disk (507 when they cannot); writes a browser marks as from another web
page get 403 unless --allow-origin names it. Send a file as a value with
  curl --data-binary @FILE -H 'Content-Type: application/octet-stream' 'URL/?action=set&key=K'

With --etcd the store keeps nothing itself: start as many as you like on the same etcd cluster (and
--etcd-prefix) and each serves the same keys, versions and watches. A write is answered once etcd's quorum has
it on disk; without a quorum writes get 504 (sent, not confirmed: read before retrying), and reads that
only a lone member could answer carry "X-Plainwire-Stale: possible". TTLs become etcd leases: whole seconds, at least etcd's minimum (2 s by
default). How to run it: docs/SCALE.md, "The store on etcd".

The API is in docs/STORE-API.md.`,
    )
    .action(async (opts: StoreCliOptions, command: Command) => {
      const dataGiven = command.getOptionValueSource('data') === 'cli';
      if (opts.memory && dataGiven)
        command.error('plainwire store: give --data or --memory, not both', { exitCode: 2 });
      if (opts.etcd && (dataGiven || opts.memory || command.getOptionValueSource('diskReserve') === 'cli'))
        command.error(
          `plainwire store: with --etcd the data lives in etcd, so ${dataGiven ? '--data' : opts.memory ? '--memory' : '--disk-reserve'} does not apply: give --etcd or --data/--memory, not both`,
          { exitCode: 2 },
        );
      for (const option of ['etcdPrefix', 'etcdTimeout'])
        if (!opts.etcd && command.getOptionValueSource(option) === 'cli')
          command.error(
            `plainwire store: --${option === 'etcdPrefix' ? 'etcd-prefix' : 'etcd-timeout'} applies only with --etcd URL,...`,
            { exitCode: 2 },
          );
      if (opts.private && opts.token === undefined)
        command.error('plainwire store: --private needs --token (reads are checked against it)', {
          exitCode: 2,
        });
      if (opts.token === undefined && !isLoopback(opts.host))
        process.stderr.write(
          `plainwire store: WARNING: bound to ${opts.host} without --token, so anyone who can reach this machine can read, overwrite and clear every key; add --token SECRET (or use --host 127.0.0.1)\n`,
        );
      const logger = createLogger('store');
      const dataDir = opts.memory ? undefined : opts.data;
      try {
        await runServer({
          command: 'store',
          host: opts.host,
          port: opts.port,
          start: async () => {
            try {
              const engine = opts.etcd
                ? await loadEtcdEngine({
                    endpoints: opts.etcd,
                    prefix: opts.etcdPrefix,
                    timeoutMs: opts.etcdTimeout,
                    onWatchRestart: (why) =>
                      logger.warn(
                        { why },
                        'the etcd watch restarted at the current revision (etcd compacted changes it had not delivered); watchers from before it are told to list again',
                      ),
                    // Pollers come and go all the time; this is for whoever wonders why a node's CPU dropped.
                    onWatching: (watching) =>
                      logger.debug(
                        watching
                          ? "watching etcd again for this node's watchers, caught up from its history"
                          : 'stopped watching etcd: this node has no watchers',
                      ),
                  })
                : undefined;
              return await startStoreServer({
                engine,
                engineDescription: opts.etcd
                  ? `etcd ${opts.etcd.join(',')} (prefix ${JSON.stringify(opts.etcdPrefix)})`
                  : undefined,
                host: opts.host,
                port: opts.port,
                dataDir,
                memory: opts.memory,
                token: opts.token,
                private: opts.private,
                maxValueBytes: opts.maxValue,
                diskReserveBytes: opts.diskReserve,
                allowOrigins: opts.allowOrigin,
                maxConnections: opts.maxConnections,
                logger,
              });
            } catch (err) {
              if (err instanceof EngineOpenError) {
                process.stderr.write(`plainwire store: ${err.message}\n`);
                process.exit(1);
              }
              throw err;
            }
          },
        });
      } catch (err) {
        process.stderr.write(`plainwire store: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}

function parseToken(value: string): string {
  try {
    assertUsableToken(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
  return value;
}

function parseWholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number of bytes.`);
  return Number(value);
}

function collectOrigin(value: string, previous: string[]): string[] {
  try {
    return [...previous, parseAllowedOrigin(value)];
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** Only this machine can reach a store bound here. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
