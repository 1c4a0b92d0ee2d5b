// Owns the terminal while a full-screen program (browse --tui, chat --tui) runs: the alternate screen in, and
// everything put back (main screen, cursor, cooked mode) however the program ends: quit, a signal, or an
// uncaught error.
import { sanitizeLine } from '../text/sanitize.js';

export const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h';
export const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';
const HIDE_CURSOR = '\u001b[?25l';
const RESET_ATTRIBUTES = '\u001b[0m';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface TerminalGuard {
  /** Puts the terminal back; safe to call more than once. */
  restore(): void;
}

export function takeTerminal(
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
  /** Names the program in the crash message (`plainwire chat` uses this guard too). */
  program = 'plainwire browse',
): TerminalGuard {
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    for (const [signal, handler] of Object.entries(signalHandlers)) process.off(signal, handler);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // The terminal may already be gone (SIGHUP); there is nothing left to restore then.
    }
    try {
      stdout.write(`${RESET_ATTRIBUTES}${SHOW_CURSOR}${LEAVE_ALTERNATE_SCREEN}`);
    } catch {
      // As above.
    }
  };
  const signalHandlers: Record<string, () => void> = {};
  for (const signal of Object.keys(SIGNAL_EXIT_CODES)) {
    signalHandlers[signal] = () => {
      restore();
      process.exit(SIGNAL_EXIT_CODES[signal]);
    };
    process.on(signal, signalHandlers[signal]!);
  }
  function onCrash(err: unknown): void {
    restore();
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(`${program}: unexpected error in full-screen mode: ${sanitizeLine(message)}\n`);
    process.exit(1);
  }
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  stdout.write(`${ENTER_ALTERNATE_SCREEN}${HIDE_CURSOR}`);
  return { restore };
}
