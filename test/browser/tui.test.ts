// `plainwire browse --tui` end to end: the built CLI in a real terminal (tmux), driven by keys sent to it and
// checked by what the pane shows, against a real `plainwire serve` of examples/site.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliServer, runCli, startCliServer } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { exitedWith, HAS_TMUX, shellQuote, tmuxIn } from '../helpers/tmux.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));
let server: CliServer;
let workDir: string;

const { tmux, waitForPane, start } = tmuxIn(() => workDir);
let sessionCount = 0;

/** Starts the browser in a new 100x30 tmux session; the shell reports its exit code and the tty's mode. */
function startBrowser(url: string): { session: string; pidFile: string } {
  const session = `tui-${++sessionCount}`;
  const pidFile = join(workDir, `${session}.pid`);
  // CI=true as on a CI machine or in a shell that exports it: ink took that to mean "draw only the last frame",
  // which left --tui blank; the browser must draw regardless.
  start(
    session,
    ['env', 'CI=true', process.execPath, CLI_PATH, 'browse', '--tui', url],
    { columns: 100, rows: 30 },
    pidFile,
  );
  return { session, pidFile };
}

describe.skipIf(!HAS_TMUX)('browse --tui in tmux', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'plainwire-tui-'));
    server = await startCliServer(['serve', SITE, '--port', '0']);
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session is left: the server has already gone.
    }
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('shows page 3, Tab + Enter goes to page 4, Backspace comes back, q leaves the alternate screen', async () => {
    const { session } = startBrowser(`${server.url}/page3.html`);
    const first = await waitForPane(session, (s) => s.includes('TITLE: Page 3: Links'), 'page 3');
    expect(first).toContain('This page links to two others.');
    expect(first).toContain(`Page 3: Links \u2014 ${server.url}/page3.html`);
    expect(tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim()).toBe('1');

    tmux('send-keys', '-t', session, 'Tab');
    // The selected link is drawn in inverse video (SGR 7) in the pane.
    await waitForPane(session, (s) => /\u001b\[[0-9;]*7[0-9;]*mpage 4\[1\]/.test(s), 'page 4 link selected', {
      escapes: true,
    });
    tmux('send-keys', '-t', session, 'Enter');
    const page4 = await waitForPane(session, (s) => s.includes('TITLE: Page 4'), 'page 4');
    expect(page4).toContain(`${server.url}/page4.html`);
    expect(page4).not.toContain('TITLE: Page 3');

    tmux('send-keys', '-t', session, 'BSpace');
    const back = await waitForPane(session, (s) => s.includes('TITLE: Page 3: Links'), 'page 3 again');
    expect(back).not.toContain('TITLE: Page 4');

    tmux('send-keys', '-t', session, '/');
    await waitForPane(session, (s) => /^Search:/m.test(s), 'the search prompt');
    tmux('send-keys', '-t', session, '-l', 'index');
    tmux('send-keys', '-t', session, 'Enter');
    await waitForPane(session, (s) => s.includes('"index" on line'), 'the search result');

    // A narrower window: the page is laid out again at the new width.
    tmux('resize-window', '-t', session, '-x', '50', '-y', '20');
    const narrow = await waitForPane(
      session,
      (s) => /^Go to page 4\[1\] to read about servers, or to page$/m.test(s),
      'a re-wrapped page',
    );
    expect(Math.max(...narrow.split('\n').map((l) => l.trimEnd().length))).toBeLessThanOrEqual(50);

    tmux('send-keys', '-t', session, 'q');
    const after = await waitForPane(session, (s) => exitedWith(s, 0), 'the browser to exit');
    // Back on the main screen: the page is gone, and the terminal is in cooked mode again.
    expect(after).not.toContain('TITLE: Page 3');
    expect(after).toMatch(/TTY icanon/);
    expect(tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
    // Several waits in a row on a loaded two-core machine: a bound above the default per-test one.
  }, 90_000);

  it('restores the terminal when killed with SIGTERM, and shows a refused connection as one line', async () => {
    const { session, pidFile } = startBrowser(`http://127.0.0.1:${await freePort()}/nothing-here`);
    const screen = await waitForPane(session, (s) => s.includes('connection refused'), 'the error line');
    expect(screen).toMatch(/connection refused by 127\.0\.0\.1:\d+ \(is the server running\?\)/);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    const after = await waitForPane(session, (s) => exitedWith(s, 143), 'exit on SIGTERM');
    expect(after).toMatch(/TTY icanon/);
    expect(tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
  });

  it('restores the terminal and reports one line when the program crashes', async () => {
    const terminal = fileURLToPath(new URL('../../dist/src/term/terminal.js', import.meta.url));
    // A program that takes the terminal the way --tui does, turns on raw mode and then throws.
    const script =
      `const { takeTerminal } = await import(${JSON.stringify(terminal)});` +
      'takeTerminal(process.stdin, process.stdout, process.stderr); process.stdin.setRawMode(true);' +
      'process.stdout.write("FULL SCREEN"); setTimeout(() => { throw new Error("boom \\u001b[2J here"); }, 300);';
    const session = `tui-${++sessionCount}`;
    const command =
      `${shellQuote(process.execPath)} --input-type=module -e ${shellQuote(script)}; ` +
      `echo "EXITED $?"; stty -a | grep -o -- '-*icanon' | sed 's/^/TTY /'; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
    const after = await waitForPane(session, (s) => exitedWith(s, 1), 'the crash exit');
    expect(after).toContain('plainwire browse: unexpected error in full-screen mode: boom  here');
    expect(after).not.toContain('FULL SCREEN');
    expect(after).toMatch(/TTY icanon/);
    expect(tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
  });
});

describe('browse --tui without a terminal', () => {
  it('says it needs one and exits 2', async () => {
    const result = await runCli(['browse', '--tui', join(SITE, 'page1.html')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('plainwire browse: --tui needs a terminal (use --dump or line mode)\n');
    expect(result.stdout).toBe('');
  });
});

if (!HAS_TMUX) console.warn('browse --tui tmux tests skipped: tmux is not installed (apt-get install tmux)');
