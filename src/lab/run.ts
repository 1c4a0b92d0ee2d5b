// The lab as a program: start everything, print the table and "ready", and stop everything on Ctrl-C, SIGTERM or
// a crash, with the exit status a shell expects (128 + the signal's number; 1 after a failure).
import { describeStartError, formatStartup } from './messages.js';
import { type Lab, type LabOptions, startLab } from './lab.js';

export interface RunLabOptions extends LabOptions {
  /** How the user runs plainwire, for the commands in the table ("plainwire" or "npx plainwire"). */
  cli: string;
  /** How long the services get to stop before the lab exits anyway (default 10 s). */
  stopTimeoutMs?: number;
}

// SIGHUP is left alone, as the other servers leave it: a handler would undo `nohup plainwire lab &`.
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Every service bounds its own stop (the chat server cuts slow clients after 5 s, the store after 2 s), so this
 * only catches a service that a crash left unable to stop.
 */
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export const READY_LINE = 'plainwire lab: ready (Ctrl-C stops everything)';

/** Runs until a signal or a crash stops the lab, then exits the process. */
export async function runLab(options: RunLabOptions): Promise<void> {
  const { stdout, stderr } = process;
  const exit = (code: number) => process.exit(code);
  const say = (line: string) => stderr.write(`plainwire lab: ${line}\n`);
  let lab: Lab | undefined;
  /** Set once stopping is asked for: why (a signal's name, or "after the crash") and the exit status. */
  let stopRequest: { why: string; code: number } | undefined;

  const shutDown = async (lab: Lab, request: { why: string; code: number }) => {
    const names = lab.started.map((s) => s.service.name).join(', ');
    const again = request.why === 'SIGINT' ? 'Ctrl-C' : request.why;
    say(
      request.code === 1
        ? `stopping ${names} ${request.why}`
        : `${request.why}: stopping ${names} (${again} again exits at once)`,
    );
    const limit = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const failures = await Promise.race([
      lab.stop(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), limit);
      }),
    ]);
    clearTimeout(timer);
    if (failures === undefined) {
      say(`${lab.stillStopping().join(', ')} did not stop within ${limit / 1000} s: exiting anyway`);
    } else {
      for (const { name, error } of failures)
        say(`${name} did not stop cleanly: ${(error as Error)?.message ?? String(error)}`);
      say('stopped');
    }
    exit(request.code);
  };

  const requestStop = (request: { why: string; code: number }) => {
    stopRequest = request;
    if (lab) void shutDown(lab, request);
    // Still starting: the services started so far are stopped as soon as startLab returns.
    else say(`${request.why}: stopping once the service being started is up`);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    const code = SIGNAL_EXIT[signal] ?? 1;
    if (stopRequest) {
      say(`${signal} again: exiting now, without waiting for the services`);
      exit(code);
      return;
    }
    requestStop({ why: signal, code });
  };

  // One process holds every service, so an error nobody caught may have left any of them broken: stop them all
  // rather than serve on half-working.
  const onCrash = (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (stopRequest) {
      say(`crashed while stopping: ${text}`);
      exit(1);
      return;
    }
    say(`a service crashed: ${text}`);
    requestStop({ why: 'after the crash', code: 1 });
  };

  for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) process.on(signal, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  try {
    lab = await startLab(options);
  } catch (err) {
    stderr.write(`${describeStartError(err)}\n`);
    exit(1);
    return;
  }
  if (stopRequest) {
    await shutDown(lab, stopRequest);
    return;
  }
  stdout.write(formatStartup(lab.started, options.dataDir, options.cli, options.cluster));
  stdout.write(`${READY_LINE}\n`);
}
