// `plainwire lab`: serve, store and chat-server together in one process, as `npm start` runs them.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir } from '../lab/data-dir.js';
import { exampleSiteDir } from '../lab/package-files.js';
import { DEFAULT_PORTS, PORT_ORDER, type PortName, PortsError, parsePorts } from '../lab/ports.js';
import { runLab } from '../lab/run.js';
import { type ClusterLinks, LAB_SERVICES } from '../lab/services.js';
import { createLogger } from '../log.js';
import { parseEtcdUrls, parseRedisUrl } from './options.js';

interface LabCliOptions {
  host: string;
  data?: string;
  ports: Record<PortName, number>;
  cluster?: boolean;
  etcd?: string[];
  redis?: string;
}

function portsOption(value: string): Record<PortName, number> {
  try {
    return parsePorts(value);
  } catch (err) {
    if (err instanceof PortsError) throw new InvalidArgumentError(`${err.message}.`);
    throw err;
  }
}

export function register(program: Command): void {
  const defaultPorts = PORT_ORDER.map((name) => DEFAULT_PORTS[name]).join(',');
  program
    .command('lab')
    .description('the whole system in one process: serve (examples/site), store and chat-server')
    .option('--host <host>', 'address every service listens on (0.0.0.0 lets other machines in)', '127.0.0.1')
    .option(
      '--data <dir>',
      'data directory, kept across runs (default: plainwire-data in your state directory, printed at start)',
    )
    .addOption(
      new Option(
        '--ports <ports>',
        `${PORT_ORDER.join(',')} ports, or "auto" for free ones (with three, the web client takes 8080)`,
      )
        .argParser(portsOption)
        .default(parsePorts(defaultPorts), defaultPorts),
    )
    .option(
      '--cluster',
      'start the store and the chat server as nodes of a cluster (needs --etcd and --redis)',
    )
    .option('--etcd <urls>', "with --cluster: the etcd cluster's client URLs, comma-separated", parseEtcdUrls)
    .option(
      '--redis <url>',
      'with --cluster: the Redis the chat nodes share (redis://HOST:PORT)',
      parseRedisUrl,
    )
    .addHelpText(
      'after',
      `
Once everything listens, the lab prints a table (each service, its address and a command to try) and
"plainwire lab: ready" on stdout; the services log on stderr, each line naming its service. Ctrl-C (or
SIGTERM) stops every service: chat users get "BYE server stopping", the store is closed after its last write
reaches the disk; exit status 130 (143 for SIGTERM). A second Ctrl-C exits at once.

Examples:
  npm start                                 # in the checkout: plainwire lab
  plainwire lab --ports auto                # free ports, shown in the table
  plainwire lab --data /tmp/lab --host 0.0.0.0

Cluster mode: with --cluster the store keeps its data in etcd and the chat server joins the other chat nodes
through Redis, so several labs (on one machine with --ports auto, or on several) serve one store and one chat:
  plainwire lab --cluster --ports auto --etcd http://127.0.0.1:2379 --redis redis://127.0.0.1:6379
How to start etcd and Redis for it, and what each guarantee is: docs/LAB.md and docs/SCALE.md.`,
    )
    .action(async (opts: LabCliOptions, command: Command) => {
      const cluster = clusterLinks(opts, command);
      const dataDir = resolve(
        opts.data ?? defaultDataDir({ platform: process.platform, env: process.env, home: homedir() }),
      );
      await runLab({
        host: opts.host,
        ports: opts.ports,
        dataDir,
        siteDir: exampleSiteDir(),
        ...(cluster ? { cluster } : {}),
        services: LAB_SERVICES,
        // The lab's log is for people even on a pipe (npm start | tee): one line per record, its service named.
        loggerFor: (name) => createLogger(name, { pretty: true }),
        // Run by npm (npm start), plainwire is probably not on the PATH, but npx finds it.
        cli: process.env.npm_lifecycle_event !== undefined ? 'npx plainwire' : 'plainwire',
      });
    });
}

/** --cluster with both its links, or neither: half a cluster (an etcd store beside a lone chat) is a typo. */
function clusterLinks(opts: LabCliOptions, command: Command): ClusterLinks | undefined {
  const fail = (message: string) => command.error(`plainwire lab: ${message}`, { exitCode: 2 });
  if (!opts.cluster) {
    if (opts.etcd || opts.redis)
      fail(
        `--${opts.etcd ? 'etcd' : 'redis'} applies only with --cluster (add --cluster, and give both --etcd and --redis)`,
      );
    return undefined;
  }
  if (!opts.etcd || !opts.redis)
    fail(
      `--cluster needs ${!opts.etcd && !opts.redis ? '--etcd URL,... and --redis URL' : !opts.etcd ? '--etcd URL,... too' : '--redis URL too'} (where the store and the chat keep what the nodes share)`,
    );
  return { etcd: opts.etcd!, redis: opts.redis! };
}
