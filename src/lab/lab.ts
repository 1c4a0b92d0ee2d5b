// Starting every service of the lab in one process, all or nothing, and stopping them together.
import type { Logger } from '../log.js';
import type { PortName } from './ports.js';
import type { ClusterLinks, LabService, RunningService } from './services.js';

export interface LabOptions {
  host: string;
  /** A port per service (0 picks a free one); services without one start on port 0. */
  ports: Partial<Record<PortName, number>>;
  dataDir: string;
  siteDir: string;
  /** Cluster mode: the store and the chat server start as nodes of a cluster on these (docs/SCALE.md). */
  cluster?: ClusterLinks;
  services: readonly LabService[];
  /** The logger each service writes to (its name on every line). */
  loggerFor(name: string): Logger;
}

export interface StartedService {
  service: LabService;
  running: RunningService;
}

export interface Lab {
  readonly started: readonly StartedService[];
  /** Stops every service at once; resolves when all have stopped, with the failures of those that did not. */
  stop(): Promise<Array<{ name: string; error: unknown }>>;
  /** The services whose stop has not finished yet. */
  stillStopping(): string[];
}

/** One service could not start; every service started before it has been stopped again. */
export class LabStartError extends Error {
  constructor(
    readonly service: string,
    readonly host: string,
    readonly port: number,
    override readonly cause: unknown,
  ) {
    super(`cannot start ${service}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'LabStartError';
  }
}

async function stopAll(
  started: readonly StartedService[],
  pending = new Set<string>(),
): Promise<Array<{ name: string; error: unknown }>> {
  const results = await Promise.allSettled(
    started.map(({ service, running }) => {
      pending.add(service.name);
      return running.stop().finally(() => pending.delete(service.name));
    }),
  );
  return results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ name: started[i]!.service.name, error: result.reason }] : [],
  );
}

/** Starts the services one after another; resolves when every one listens. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const started: StartedService[] = [];
  for (const service of options.services) {
    const port = options.ports[service.name] ?? 0;
    try {
      const running = await service.start({
        host: options.host,
        port,
        logger: options.loggerFor(service.name),
        dataDir: options.dataDir,
        siteDir: options.siteDir,
        cluster: options.cluster,
        started: new Map(started.map(({ service, running }) => [service.name, running])),
      });
      started.push({ service, running });
    } catch (err) {
      await stopAll(started);
      throw new LabStartError(service.name, options.host, port, err);
    }
  }
  let stopping: Promise<Array<{ name: string; error: unknown }>> | undefined;
  const pending = new Set<string>();
  return {
    started,
    stop: () => {
      stopping ??= stopAll(started, pending);
      return stopping;
    },
    stillStopping: () => [...pending],
  };
}
