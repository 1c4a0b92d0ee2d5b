// A real etcd cluster for tests and benchmarks: N members (3 by default) of Debian's etcd on free loopback ports,
// each with its own data directory under one temp dir. A member can be SIGKILLed and restarted on its data;
// stop() kills every member and removes the files. No vitest here, so bench/ can use it too.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface EtcdMember {
  name: string;
  /** http://127.0.0.1:PORT, what clients (and plainwire store --etcd) connect to. */
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process?: ChildProcess;
  /** The last lines etcd wrote to stderr, for the error when it does not come up. */
  logTail: string[];
}

/** Whether etcd is on PATH (CI installs etcd-server; a developer machine may not have it). */
export function etcdInstalled(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HEALTH_TIMEOUT_MS = 60_000;

/** Clusters not yet stopped: their members die with the process that started them, whatever happens to it. */
const live = new Set<EtcdCluster>();
process.once('exit', () => {
  for (const cluster of live)
    for (const m of cluster.members) if (m.process && m.process.exitCode === null) m.process.kill('SIGKILL');
});

export class EtcdCluster {
  private stopped = false;

  private constructor(
    readonly dir: string,
    readonly members: EtcdMember[],
    private readonly initialCluster: string,
    private readonly token: string,
    /** More etcd flags for every member (e.g. --quota-backend-bytes). */
    private readonly extraArgs: string[] = [],
  ) {
    live.add(this);
  }

  /**
   * Starts `size` members and resolves once every one of them reports healthy (a leader is elected). A port taken
   * between choosing it and etcd binding it (another test starting at the same moment) is retried with new ports.
   */
  static async start(size = 3, extraArgs: string[] = []): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.startOnce(size, extraArgs);
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(String((err as Error).message))) throw err;
      }
    }
  }

  private static async startOnce(size: number, extraArgs: string[]): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'plainwire-etcd-'));
    const members: EtcdMember[] = [];
    for (let i = 0; i < size; i++) {
      const name = `m${i}`;
      members.push({
        name,
        clientUrl: `http://127.0.0.1:${await freePort()}`,
        peerUrl: `http://127.0.0.1:${await freePort()}`,
        dataDir: join(dir, name),
        logTail: [],
      });
    }
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const cluster = new EtcdCluster(
      dir,
      members,
      initialCluster,
      `plainwire-test-${process.pid}-${Date.now()}`,
      extraArgs,
    );
    try {
      for (let i = 0; i < size; i++) cluster.spawnMember(i);
      await Promise.all(members.map((_, i) => cluster.waitHealthy(i)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Every member's client URL, as `--etcd` takes them (comma-separated). */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** SIGKILLs member `i` and resolves once it has exited. */
  async kill(i: number): Promise<void> {
    const child = this.members[i]!.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts member `i` again on its data directory; with `waitHealthy` (default) resolves once it is healthy. */
  async restart(i: number, options: { waitHealthy?: boolean } = {}): Promise<void> {
    await this.kill(i);
    this.spawnMember(i);
    if (options.waitHealthy !== false) await this.waitHealthy(i);
  }

  /** Resolves once member `i` answers /health with true: it is up and its cluster has a leader. */
  async waitHealthy(i: number, timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> {
    const member = this.members[i]!;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = member.process;
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`etcd member ${member.name} exited while starting:\n${member.logTail.join('\n')}`);
      try {
        const res = await fetch(`${member.clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
      } catch {
        // Not listening yet, or no leader yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `etcd member ${member.name} was not healthy within ${timeoutMs / 1000} s:\n${member.logTail.join('\n')}`,
    );
  }

  /** Kills every member and removes the data directories; safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    await Promise.all(this.members.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawnMember(i: number): void {
    const m = this.members[i]!;
    const child = spawn(
      'etcd',
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${this.initialCluster}`,
        `--initial-cluster-token=${this.token}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-level=warn',
        // etcd 3.4 serves its HTTP/JSON gateway (/v3/kv/...) on the client port by default; the bench uses it.
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    m.logTail = [];
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      m.logTail.push(...chunk.split('\n').filter(Boolean));
      if (m.logTail.length > 20) m.logTail.splice(0, m.logTail.length - 20);
    });
    m.process = child;
  }
}
