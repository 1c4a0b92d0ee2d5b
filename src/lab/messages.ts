// What the lab tells a person: the start-up table and the one-line errors, as pure functions.
import { formatHostPort } from '../text/host-port.js';
import type { StartedService } from './lab.js';
import { LabStartError } from './lab.js';
import type { ClusterLinks } from './services.js';
import { formatTable } from './table.js';

/** The table printed once everything listens, then where the data lives. */
export function formatStartup(
  started: readonly StartedService[],
  dataDir: string,
  cli: string,
  cluster?: ClusterLinks,
): string {
  const table = formatTable(
    started.map(({ service, running }) => ({
      service: service.name,
      where: service.where(running),
      tryThis: service.tryThis(running, cli),
    })),
  );
  if (cluster)
    return `${table}\n\ndata: the store's in etcd (${cluster.etcd.join(',')}), the chat's in Redis (${cluster.redis}), shared with every node of the cluster\n`;
  return `${table}\n\ndata: ${dataDir} (kept across runs; --data DIR to use another)\n`;
}

/** One line a person can act on: which service, which address, what to do. */
export function describeStartError(err: unknown): string {
  if (!(err instanceof LabStartError)) return `plainwire lab: ${(err as Error)?.message ?? String(err)}`;
  const where = formatHostPort(err.host, err.port);
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  const detail =
    code === 'EADDRINUSE'
      ? `${where} is in use (stop what holds it, or use --ports ... / --ports auto)`
      : code === 'EACCES'
        ? `${where}: permission denied (ports below 1024 need privileges; use --ports ... / --ports auto)`
        : code === 'EADDRNOTAVAIL'
          ? `${where}: address not available on this machine (check --host)`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `${err.host}: unknown host (check --host)`
            : ((err.cause as Error)?.message ?? String(err.cause));
  return `plainwire lab: cannot start ${err.service}: ${detail}`;
}
