// The life of a server started from the CLI: listen with errors a person can act on, log the address, and stop
// cleanly on SIGINT/SIGTERM (a second signal forces the exit).
import { formatHostPort } from '../text/host-port.js';
import { constants } from 'node:os';

export interface RunningServer {
  stop(): Promise<void>;
}

export interface RunServerOptions<T extends RunningServer> {
  /** The command's name, for error messages: "store". */
  command: string;
  host: string;
  port: number;
  start: () => Promise<T>;
}

/** Turns a listen error into one line a person can act on. */
export function describeListenError(command: string, host: string, port: number, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = formatHostPort(host, port);
  const hint =
    code === 'EADDRINUSE'
      ? `address in use (is another ${command} running? use --port)`
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges; use --port)'
        : code === 'EADDRNOTAVAIL'
          ? 'address not available on this machine (check --host)'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'unknown host (check --host)'
            : ((err as Error)?.message ?? String(err));
  return `plainwire ${command}: cannot listen on ${where}: ${hint}`;
}

/**
 * The shell's convention for a process ended by a signal, 128 + its number (130 for Ctrl-C, 143 for SIGTERM):
 * a script running `plainwire store; echo $?` can tell "stopped" from "finished", even after a clean stop.
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export async function runServer<T extends RunningServer>(options: RunServerOptions<T>): Promise<T> {
  let server: T | undefined;
  /** A signal that came while the server was starting: it stops as soon as it has started. */
  let pending: NodeJS.Signals | undefined;
  let stopping = false;
  const stop = (running: T, signal: NodeJS.Signals) => {
    stopping = true;
    running.stop().then(
      () => process.exit(signalExitCode(signal)),
      (err: unknown) => {
        process.stderr.write(
          `plainwire ${options.command}: error while stopping: ${(err as Error).message}\n`,
        );
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping || pending !== undefined) {
      process.stderr.write(`plainwire ${options.command}: ${signal} again, exiting now\n`);
      process.exit(signalExitCode(signal));
    }
    if (server === undefined) pending = signal;
    else stop(server, signal);
  };
  // Before starting: the "listening" line is written during start(), and whoever waits for it may signal at
  // once; without a handler by then Node would die of the signal without stopping cleanly.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    server = await options.start();
  } catch (err) {
    process.stderr.write(`${describeListenError(options.command, options.host, options.port, err)}\n`);
    process.exit(1);
  }
  if (pending !== undefined) stop(server, pending);
  return server;
}
