// The life of a server started from the CLI: listen with errors a person can act on, log the address, and stop
// cleanly on SIGINT/SIGTERM (a second signal forces the exit).

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
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
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

export async function runServer<T extends RunningServer>(options: RunServerOptions<T>): Promise<T> {
  let server: T;
  try {
    server = await options.start();
  } catch (err) {
    process.stderr.write(`${describeListenError(options.command, options.host, options.port, err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`plainwire ${options.command}: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(
          `plainwire ${options.command}: error while stopping: ${(err as Error).message}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return server;
}
