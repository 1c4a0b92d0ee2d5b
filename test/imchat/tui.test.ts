// `plainwire imchat --tui` end to end: two full-screen clients (the built CLI in real terminals, tmux) and a
// line-mode imchat client, in one room of a real `plainwire store` process; and turn mode's held line. Checked by
// what the panes show.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogValue, logKey } from '../../src/imchat/keys.js';
import { StoreClient } from '../../src/store/client.js';
import {
  CLI_PATH,
  type CliProcess,
  type CliServer,
  runCli,
  spawnCli,
  startCliServer,
} from '../helpers/cli.js';
import { exitedWith, HAS_TMUX, tmuxIn } from '../helpers/tmux.js';
import { startTestStore } from './store.js';

let store: CliServer | undefined;
let workDir: string;
const lineClients: CliProcess[] = [];

const { tmux, capture, waitForPane, start } = tmuxIn(() => workDir);

/** Starts `imchat --tui` in a new 100x24 tmux session; the shell then reports its exit code and the tty's mode. */
function startTui(name: string, room: string, extra: string[] = [], url = store!.url): string {
  const session = `imchat-${name}`;
  // CI=true as on a CI machine: ink must draw every frame regardless. Each user has their own config directory.
  start(
    session,
    [
      'env',
      'CI=true',
      `PLAINWIRE_CONFIG_DIR=${join(workDir, `config-${name}`)}`,
      process.execPath,
      CLI_PATH,
      'imchat',
      url,
      '--name',
      name,
      '--room',
      room,
      '--tui',
      ...extra,
    ],
    { columns: 100, rows: 24 },
    join(workDir, `${session}.pid`),
  );
  return session;
}

/** A line-mode client whose stdin stays open: lines are written to it as a person would type them. */
function startLineClient(name: string, room: string, ...extra: string[]): CliProcess {
  const proc = spawnCli(['imchat', store!.url, '--name', name, '--room', room, ...extra], {
    env: { PLAINWIRE_CONFIG_DIR: join(workDir, `config-${name}`) },
  });
  lineClients.push(proc);
  return proc;
}

function type(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
}

function screenState(session: string): string {
  return tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim();
}

describe.skipIf(!HAS_TMUX)('imchat --tui in tmux', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'plainwire-imchat-tui-'));
    store = await startCliServer(['store', '--port', '0', '--memory']);
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session is left: the tmux server has already gone.
    }
    await Promise.all(lineClients.map((p) => p.stop('SIGKILL')));
    await store?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('two TUI clients and a line client talk in one room; marks, keys, resizes, and a clean exit', async () => {
    const room = 'lobby';
    const ada = startTui('ada', room);
    await waitForPane(ada, (s) => s.includes('| ada | room lobby | connected'), "ada's status line");
    expect(screenState(ada)).toBe('1 0');
    const bob = startTui('bob', room);
    await waitForPane(bob, (s) => s.includes('| bob | room lobby | connected'), "bob's status line");
    const cy = startLineClient('cy', room);
    await cy.stdout.waitFor(/\* joined room /, 60_000);

    // The side pane: who is present, from the welcome and then from the joins.
    await waitForPane(
      ada,
      (s) => /\u2502 {2}bob\s*$/m.test(s) && /\u2502 {2}cy\s*$/m.test(s) && /\u2502 \*ada\s*$/m.test(s),
      "bob and cy in ada's side pane",
    );
    await waitForPane(bob, (s) => /\* cy joined/.test(s), "cy's join at bob");

    // From a TUI: the other TUI and the line client receive it, with time and sender.
    type(ada, 'hello from ada');
    await waitForPane(bob, (s) => /\[\d\d:\d\d:\d\d\] ada: hello from ada/.test(s), "ada's message at bob");
    await cy.stdout.waitFor(/\] ada: hello from ada$/);
    await waitForPane(ada, (s) => /\] ada: hello from ada/.test(s), "ada's own message");

    // From the line client, with an escape sequence that must not reach the terminals, and wide characters.
    cy.child.stdin.write('hi from \u001b[2Jcy, \u4f60\u597d\n');
    await waitForPane(ada, (s) => s.includes('] cy: hi from cy, \u4f60\u597d'), "cy's message at ada");
    await waitForPane(bob, (s) => s.includes('] cy: hi from cy, \u4f60\u597d'), "cy's message at bob");

    // A forged entry in cy's log (anyone who can reach the store can write one): marked before the name.
    const client = new StoreClient(store!.url);
    await client.set(logKey(room, 'cy', 2), formatLogValue({ at: Date.now(), text: 'I resign' }));
    client.close();
    await waitForPane(
      ada,
      (s) => /\[unverified: [^\]]+\] cy: I resign/.test(s),
      'the unverified mark at ada',
    );

    // Tab completes a name; Up recalls the last line; Ctrl-U clears it.
    tmux('send-keys', '-t', bob, '-l', 'c');
    tmux('send-keys', '-t', bob, 'Tab');
    await waitForPane(bob, (s) => /^> cy:\s*$/m.test(s), 'the completed name');
    type(bob, 'welcome');
    await cy.stdout.waitFor(/\] bob: cy: welcome$/);
    // The screenshot for docs/IMCHAT.md, when asked for.
    const shot = await waitForPane(ada, (s) => s.includes('] bob: cy: welcome'), 'the welcome at ada');
    if (process.env.IMCHAT_TUI_SCREENSHOT) writeFileSync(process.env.IMCHAT_TUI_SCREENSHOT, shot);
    tmux('send-keys', '-t', bob, 'Up');
    await waitForPane(bob, (s) => /^> cy: welcome\s*$/m.test(s), 'the recalled line');
    tmux('send-keys', '-t', bob, 'C-u');
    await waitForPane(bob, (s) => /^>\s*$/m.test(s), 'the cleared input');

    // The line client's slash commands work here: /who, /help, and a typo is refused, not said.
    type(bob, '/who');
    await waitForPane(bob, (s) => s.includes('* present: ada, bob, cy'), '/who');
    type(bob, '/hlep');
    await waitForPane(bob, (s) => s.includes('* unknown command /hlep'), 'the refused typo');
    type(bob, '/help');
    await waitForPane(bob, (s) => s.includes('* keys: Enter sends'), '/help');

    // PgUp scrolls back; a message arriving meanwhile is counted as unread, and PgDn returns to it.
    for (let i = 0; i < 12; i++) cy.child.stdin.write(`line ${i}\n`);
    await waitForPane(bob, (s) => s.includes('cy: line 11'), 'the last of the lines at bob');
    tmux('send-keys', '-t', bob, 'PPage');
    await waitForPane(
      bob,
      (s) => s.includes('scrolled back: PgDn') && !s.includes('cy: line 11'),
      'scrolled',
    );
    cy.child.stdin.write('while you scrolled\n');
    await waitForPane(bob, (s) => s.includes('1 unread below: PgDn'), 'the unread count');
    tmux('send-keys', '-t', bob, 'NPage');
    await waitForPane(bob, (s) => s.includes('cy: while you scrolled') && !s.includes('unread'), 'back down');

    // A narrower window: laid out again at the new size, the side pane gone below 40 columns.
    tmux('resize-window', '-t', bob, '-x', '36', '-y', '12');
    const narrow = await waitForPane(
      bob,
      (s) => s.includes('while you scrolled') && !s.includes('\u2502'),
      "bob's narrow layout",
    );
    expect(Math.max(...narrow.split('\n').map((l) => l.trimEnd().length))).toBeLessThanOrEqual(36);
    tmux('resize-window', '-t', bob, '-x', '100', '-y', '24');
    await waitForPane(bob, (s) => /\u2502Present \(3\)/.test(s), "bob's side pane again");

    type(ada, 'see you');
    await waitForPane(ada, (s) => s.includes('] ada: see you'), "ada's last line");

    // Ctrl-C leaves cleanly: the main screen again, cursor shown, cooked mode; the others see ada leave.
    tmux('send-keys', '-t', ada, 'C-c');
    const after = await waitForPane(ada, (s) => exitedWith(s, 0), 'ada to exit');
    expect(after).not.toContain('hello from ada');
    expect(screenState(ada)).toBe('0 1');
    await waitForPane(
      bob,
      (s) => s.includes('* ada left') && !/\u2502 {2}ada\s*$/m.test(s),
      'ada gone at bob',
    );
    await cy.stdout.waitFor(/\* ada left$/);

    // /quit leaves as cleanly.
    type(bob, '/quit');
    await waitForPane(bob, (s) => exitedWith(s, 0), 'bob to exit');
    expect(screenState(bob)).toBe('0 1');
    await cy.stdout.waitFor(/\* bob left$/);
    cy.child.stdin.end();
    expect(await cy.exited).toBe(0);
    // Many waits in a row on a loaded two-core machine: a bound above the default per-test one.
  }, 300_000);

  it('turn mode: whose turn it is, and a line typed out of turn held visibly until it is said', async () => {
    const room = 'pair';
    // The line client sits first, so the first turn is hers.
    const eve = startLineClient('eve', room, '--turns');
    await eve.stdout.waitFor(/\* joined room /, 60_000);
    const dan = startTui('dan', room, ['--turns']);
    await waitForPane(dan, (s) => s.includes("| eve's turn |"), "eve's turn in dan's status line");
    await waitForPane(
      dan,
      (s) => /^\(eve's turn\)>/m.test(s) && /\u2502> eve\s*$/m.test(s),
      'the turn marks',
    );

    // Typed out of turn: held above the input, marked, and not said.
    type(dan, 'my point, later');
    await waitForPane(dan, (s) => /^\[waiting for your turn\] my point, later\s*$/m.test(s), 'the held line');
    expect(eve.stdout.lines.join('\n')).not.toContain('my point, later');
    const held = capture(dan);
    if (process.env.IMCHAT_TUI_SCREENSHOT)
      writeFileSync(process.env.IMCHAT_TUI_SCREENSHOT.replace(/(\.txt)?$/, '-turns.txt'), held);

    // eve speaks: the turn passes to dan, the held line is said, and the mark goes.
    eve.child.stdin.write('go ahead\n');
    await eve.stdout.waitFor(/\] dan: my point, later$/);
    await waitForPane(
      dan,
      (s) => s.includes('] dan: my point, later') && !s.includes('[waiting for your turn]'),
      'the held line said',
    );
    await waitForPane(dan, (s) => s.includes("| eve's turn |"), "eve's turn again");

    // SIGTERM restores the terminal too.
    process.kill(Number(readFileSync(join(workDir, 'imchat-dan.pid'), 'utf8').trim()), 'SIGTERM');
    await waitForPane(dan, (s) => exitedWith(s, 143), 'exit on SIGTERM');
    expect(screenState(dan)).toBe('0 1');
    eve.child.stdin.end();
    await eve.exited;
  }, 300_000);

  it('while the store is away: says so, holds what is typed meanwhile, and sends it once the store is back', async () => {
    const away = await startTestStore();
    try {
      const fay = startTui('fay', 'outage', [], away.url);
      await waitForPane(fay, (s) => s.includes('| fay | room outage | connected'), "fay's status line");
      await away.kill();
      await waitForPane(
        fay,
        (s) => s.includes('| store unreachable, retrying |'),
        'the outage in the status line',
      );
      type(fay, 'said during the outage');
      await waitForPane(
        fay,
        (s) => /^\[not sent: store unreachable\] said during the outage\s*$/m.test(s),
        'the held line',
      );
      await away.restart();
      await waitForPane(
        fay,
        (s) =>
          s.includes('] fay: said during the outage') &&
          !s.includes('[not sent') &&
          s.includes('| fay | room outage | connected'),
        'the line said once the store is back',
      );
      type(fay, '/quit');
      await waitForPane(fay, (s) => exitedWith(s, 0), 'fay to exit');
    } finally {
      await away.stop();
    }
  }, 300_000);
});

describe('imchat --tui without a terminal', () => {
  it('says it needs a terminal and exits 2', async () => {
    const result = await runCli(['imchat', '127.0.0.1:1', '--tui', '--name', 'ada']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'plainwire imchat: --tui needs a terminal (without --tui, imchat reads a pipe)\n',
    );
  });
});

if (!HAS_TMUX) console.warn('imchat --tui tmux tests skipped: tmux is not installed (apt-get install tmux)');
