// `plainwire chat --tui` end to end: two full-screen clients (the built CLI in real terminals, tmux) and a raw
// TCP client, as telnet would be, in one room on a real chat-server; checked by what the panes show.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliServer, runCli, startCliServer } from '../helpers/cli.js';
import { exitedWith, HAS_TMUX, shellQuote, tmuxIn } from '../helpers/tmux.js';
import { RawClient } from './raw-client.js';

let server: CliServer | undefined;
let workDir: string;

const { tmux, capture, waitForPane, start } = tmuxIn(() => workDir);

/** Starts `chat --tui` in a new 100x24 tmux session; the shell then reports its exit code and the tty's mode. */
function startTui(name: string, port: number): string {
  const session = `chat-${name}`;
  const pidFile = join(workDir, `${session}.pid`);
  // CI=true as on a CI machine: ink must draw every frame regardless.
  start(
    session,
    ['env', 'CI=true', process.execPath, CLI_PATH, 'chat', `127.0.0.1:${port}`, '--tui', '--name', name],
    { columns: 100, rows: 24 },
    pidFile,
  );
  return session;
}

function type(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
}

function screenState(session: string): string {
  return tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim();
}

describe.skipIf(!HAS_TMUX)('chat --tui in tmux', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'plainwire-chat-tui-'));
    server = await startCliServer(['chat-server', '--port', '0']);
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session is left: the tmux server has already gone.
    }
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('two TUI clients and a telnet-like client talk in one room; Ctrl-C and a vanished server restore the terminal', async () => {
    const port = server!.port;
    const ada = startTui('ada', port);
    await waitForPane(ada, (s) => s.includes('| ada | connected'), "ada's status line");
    expect(screenState(ada)).toBe('1 0');
    const bob = startTui('bob', port);
    await waitForPane(bob, (s) => s.includes('| bob | connected'), "bob's status line");
    const tel = await RawClient.join(port, 'tel');

    // The users pane: filled from USERS at start (bob saw ada), kept current from JOINED (ada saw bob and tel).
    await waitForPane(
      ada,
      (s) => /\u2502 bob\s*$/m.test(s) && /\u2502 tel\s*$/m.test(s),
      "bob and tel in ada's pane",
    );
    await waitForPane(
      bob,
      (s) => /\u2502 ada\s*$/m.test(s) && /\u2502\*bob\s*$/m.test(s),
      "ada in bob's pane",
    );

    // Broadcast from a TUI: the other TUI and the raw client receive it.
    type(ada, 'hello from ada');
    await waitForPane(bob, (s) => /\d\d:\d\d:\d\d <ada> hello from ada/.test(s), "ada's message at bob");
    expect(await tel.next()).toBe('MESSAGE ada hello from ada');
    await waitForPane(ada, (s) => /<ada> hello from ada/.test(s), "ada's own message");

    // Broadcast from the raw client, with an escape sequence that must not reach the terminals.
    expect(await tel.reply('MESSAGE hi from \u001b[2Jtelnet')).toBe('OK SENT 2');
    await waitForPane(ada, (s) => s.includes('<tel> hi from telnet'), "tel's message at ada");
    await waitForPane(bob, (s) => s.includes('<tel> hi from telnet'), "tel's message at bob");

    // Tab completes a name; the private message is marked on both sides.
    tmux('send-keys', '-t', bob, '-l', '/msg a');
    tmux('send-keys', '-t', bob, 'Tab');
    await waitForPane(bob, (s) => /^> \/msg ada\s*$/m.test(s), 'the completed name');
    type(bob, 'psst, ada');
    await waitForPane(ada, (s) => s.includes('[private] <bob> psst, ada'), 'the private message at ada');
    await waitForPane(bob, (s) => s.includes('[to ada] <bob> psst, ada'), 'the private message at bob');

    // A group: ada joins, the raw client joins and speaks in it, ada answers in it.
    type(ada, '/join ops');
    await waitForPane(
      ada,
      (s) => s.includes('-- you joined ops') && /\u2502\*ops\s*$/m.test(s),
      'ops joined',
    );
    expect(await tel.reply('JOIN ops')).toBe('OK JOINED ops');
    await waitForPane(ada, (s) => s.includes('-- tel joined ops'), 'tel joining ops');
    expect(await tel.reply('GROUP ops deploy at noon')).toBe('OK SENT 1');
    await waitForPane(ada, (s) => s.includes('[ops] <tel> deploy at noon'), 'the group message at ada');
    type(ada, '/g ops fine by me');
    await waitForPane(ada, (s) => s.includes('[ops] <ada> fine by me'), "ada's group message");
    const got: string[] = [];
    while (!got.includes('GROUP ops ada fine by me')) got.push(await tel.next());
    // bob is in no group: he never saw the group talk.
    expect(capture(bob)).not.toContain('deploy at noon');

    // A narrower window: laid out again at the new size, the side pane gone below 40 columns.
    tmux('resize-window', '-t', bob, '-x', '36', '-y', '12');
    const narrow = await waitForPane(
      bob,
      (s) => s.includes('[to ada] <bob> psst, ada') && !s.includes('\u2502'),
      "bob's narrow layout",
    );
    expect(Math.max(...narrow.split('\n').map((l) => l.trimEnd().length))).toBeLessThanOrEqual(36);
    tmux('resize-window', '-t', bob, '-x', '100', '-y', '24');
    await waitForPane(bob, (s) => /\u2502Users \(3\)/.test(s), "bob's side pane again");

    // The screenshot for docs/CHAT-TUI.md, when asked for.
    const shot = capture(ada);
    if (process.env.CHAT_TUI_SCREENSHOT) writeFileSync(process.env.CHAT_TUI_SCREENSHOT, shot);

    // Ctrl-C leaves cleanly: the main screen again, cursor shown, cooked mode; the others see ada leave.
    tmux('send-keys', '-t', ada, 'C-c');
    const after = await waitForPane(ada, (s) => exitedWith(s, 0), 'ada to exit');
    expect(after).not.toContain('hello from ada');
    expect(after).toMatch(/^TTY icanon$/m);
    expect(screenState(ada)).toBe('0 1');
    await waitForPane(
      bob,
      (s) => s.includes('-- ada left the chat') && !/\u2502 ada\s*$/m.test(s),
      'ada gone at bob',
    );

    // The server goes away: bob's terminal is restored and the reason is one line.
    await server!.stop();
    server = undefined;
    const gone = await waitForPane(bob, (s) => exitedWith(s, 1), 'bob to exit');
    expect(gone.replace(/\n/g, '')).toMatch(
      /plainwire chat: lost the connection to 127\.0\.0\.1:\d+ \(the server said: server stopping\)/,
    );
    expect(screenState(bob)).toBe('0 1');
    // Several waits in a row on a loaded two-core machine: a bound above the default per-test one.
  }, 300_000);

  it('restores the terminal when killed with SIGTERM', async () => {
    server = await startCliServer(['chat-server', '--port', '0']);
    const cy = startTui('cy', server.port);
    await waitForPane(cy, (s) => s.includes('| cy | connected'), "cy's status line");
    process.kill(Number(readFileSync(join(workDir, 'chat-cy.pid'), 'utf8').trim()), 'SIGTERM');
    await waitForPane(cy, (s) => exitedWith(s, 143), 'exit on SIGTERM');
    expect(screenState(cy)).toBe('0 1');
  }, 120_000);

  it('restores the terminal and names plainwire chat in the one line a crash leaves', async () => {
    const terminal = fileURLToPath(new URL('../../dist/src/term/terminal.js', import.meta.url));
    // A program that takes the terminal as chat --tui does, turns on raw mode and then throws.
    const script =
      `const { takeTerminal } = await import(${JSON.stringify(terminal)});` +
      'takeTerminal(process.stdin, process.stdout, process.stderr, "plainwire chat"); process.stdin.setRawMode(true);' +
      'process.stdout.write("FULL SCREEN"); setTimeout(() => { throw new Error("boom \\u001b[2J here"); }, 300);';
    const session = 'chat-crash';
    const command =
      `${shellQuote(process.execPath)} --input-type=module -e ${shellQuote(script)}; ` +
      `echo "EXITED $?"; stty -a | grep -o -- '-*icanon' | sed 's/^/TTY /'; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '24', command);
    const after = await waitForPane(session, (s) => exitedWith(s, 1), 'the crash exit');
    expect(after).toContain('plainwire chat: unexpected error in full-screen mode: boom  here');
    expect(after).not.toContain('FULL SCREEN');
    expect(screenState(session)).toBe('0 1');
  }, 120_000);
});

describe('chat --tui without a terminal', () => {
  it('says it needs a terminal and exits 2', async () => {
    const result = await runCli(['chat', '127.0.0.1:1', '--tui', '--name', 'ada']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('plainwire chat: --tui needs a terminal (without --tui, chat reads a pipe)\n');
  });
});

if (!HAS_TMUX) console.warn('chat --tui tmux tests skipped: tmux is not installed (apt-get install tmux)');
