// Runs the real, built `plainwire` executable (dist/, built by `npm test` before vitest starts) as a child process.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli/plainwire.cjs', import.meta.url));

function assertBuilt(): void {
  if (!existsSync(CLI_PATH))
    throw new Error(`${CLI_PATH} is missing: run "npm run build" first (npm test does).`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `plainwire ...args` to completion (killed after timeoutMs) and collects its output. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Collects a stream's lines and lets a test wait for one that matches. */
export class LineCollector {
  readonly lines: string[] = [];
  private buffer = '';
  private waiters: Array<{ test: (line: string) => boolean; from: number; resolve: (line: string) => void }> =
    [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        this.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf('\n');
      }
    });
  }

  private push(line: string): void {
    this.lines.push(line);
    const index = this.lines.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index >= w.from && w.test(line)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  /** Resolves with the first line (already seen from index `from`, or still to come) that matches. */
  waitFor(
    match: RegExp | string | ((line: string) => boolean),
    timeoutMs = 60_000,
    from = 0,
  ): Promise<string> {
    const test =
      typeof match === 'function'
        ? match
        : typeof match === 'string'
          ? (l: string) => l.includes(match)
          : (l: string) => match.test(l);
    for (let i = from; i < this.lines.length; i++)
      if (test(this.lines[i]!)) return Promise.resolve(this.lines[i]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        from,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${String(match)}; lines so far:\n${this.lines.join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  text(): string {
    return this.lines.join('\n');
  }
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: LineCollector;
  stderr: LineCollector;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit; SIGKILL after 5 s if it has not gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `plainwire ...args` and leaves it running. */
export function spawnCli(args: string[], options: RunCliOptions = {}): CliProcess {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
  });
  return watchProcess(child);
}

/** A spawned process's output as lines, its exit, and a stop that signals it (SIGKILL after 5 s). */
export function watchProcess(child: ChildProcessWithoutNullStreams): CliProcess {
  child.stdin.on('error', () => {});
  const stdout = new LineCollector(child.stdout);
  const stderr = new LineCollector(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { child, stdout, stderr, exited, stop };
}

export interface CliServer extends CliProcess {
  host: string;
  port: number;
  /** http://host:port (brackets for IPv6) */
  url: string;
}

/**
 * Starts a server command with --port 0 (pass it in args) and waits for its "listening on HOST:PORT" log line,
 * which every plainwire server writes to stderr once it accepts connections.
 */
export async function startCliServer(args: string[], options: RunCliOptions = {}): Promise<CliServer> {
  const proc = spawnCli(args, options);
  const line = await Promise.race([
    proc.stderr.waitFor(/listening on /, options.timeoutMs ?? 60_000),
    proc.exited.then((code) => {
      throw new Error(
        `plainwire ${args.join(' ')} exited with ${code} before listening:\n${proc.stderr.text()}`,
      );
    }),
  ]);
  const m = /listening on (?:[a-z]+:\/\/)?(\[[^\]]+\]|[^\s:"/]+):(\d+)/.exec(line);
  if (!m) throw new Error(`cannot read the address from: ${line}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { ...proc, host, port, url };
}
