// Driving a full-screen program in tmux, as a person at a terminal would: a private tmux server per test file,
// send-keys to type, capture-pane to read the screen, and waits on what the screen shows, never on a time.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const HAS_TMUX = spawnSync('which', ['tmux']).status === 0;

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell after the program: its exit code, then the terminal's mode (stty) once that has been printed. */
export function exitedWith(screen: string, code: number): boolean {
  return screen.includes(`EXITED ${code}`) && /^TTY -*icanon$/m.test(screen);
}

/** The tmux commands of one test file; `dir()` is the file's own directory, where the server's socket lives. */
export function tmuxIn(dir: () => string) {
  function tmux(...args: string[]): string {
    // A private tmux server whose socket lives in the test's own directory (removed afterwards), so the test never
    // touches a tmux the developer is using and leaves nothing behind in /tmp/tmux-UID.
    return execFileSync('tmux', ['-S', join(dir(), 'tmux.sock'), '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      timeout: 5000,
    });
  }

  function capture(session: string, escapes = false): string {
    return tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
  }

  /** Polls the pane until `test` holds, or fails with what the pane showed; the bound is for a hang. */
  async function waitForPane(
    session: string,
    test: (screen: string) => boolean,
    what: string,
    options: { escapes?: boolean; timeoutMs?: number } = {},
  ): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let screen = '';
    while (Date.now() < deadline) {
      screen = capture(session, options.escapes);
      if (test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what} in ${session}; the pane shows:\n${screen}`);
  }

  /**
   * Runs `argv` in a new tmux session of the given size; its pid goes to `pidFile`, and when it ends the shell
   * prints "EXITED <code>" and the terminal's mode (see exitedWith), then waits so the pane can be read.
   */
  function start(
    session: string,
    argv: string[],
    size: { columns: number; rows: number },
    pidFile: string,
  ): void {
    const program = argv.map(shellQuote).join(' ');
    const command =
      `sh -c 'echo $$ > ${pidFile}; exec "$@"' sh ${program}; ` +
      `echo "EXITED $?"; stty -a | grep -o -- '-*icanon' | sed 's/^/TTY /'; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', String(size.columns), '-y', String(size.rows), command);
  }

  return { tmux, capture, waitForPane, start };
}
