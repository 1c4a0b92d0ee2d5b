// Server logs: pino, JSON lines on a pipe (for machines), human-readable on a TTY (for people). Always stderr,
// because stdout belongs to data.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY. */
  pretty?: boolean;
}

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.PLAINWIRE_LOG_LEVEL ?? 'info';
  const human = options.pretty ?? process.stderr.isTTY === true;
  if (human) {
    // Synchronous pretty stream: a worker-thread transport could lose the last lines on a quick exit. One line
    // per record: a server logging every command is unreadable at five lines each.
    const stream = pretty({
      destination: 2,
      sync: true,
      singleLine: true,
      colorize: process.env.NO_COLOR ? false : undefined,
      ignore: 'pid,hostname',
      translateTime: 'HH:MM:ss.l',
    });
    return pino({ name, level }, stream);
  }
  return pino({ name, level, base: { name } }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything: for library users and tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
