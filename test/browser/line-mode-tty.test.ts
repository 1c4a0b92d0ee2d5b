// Line mode on a real terminal (tmux): readline editing, bold headings on a colour TTY, Ctrl-C quits cleanly.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH } from '../helpers/cli.js';

const HAS_TMUX = spawnSync('which', ['tmux']).status === 0;
const SOCKET = `plainwire-line-mode-${process.pid}`;
const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
}

async function waitForPane(
  test: (screen: string) => boolean,
  what: string,
  escapes = false,
): Promise<string> {
  const deadline = Date.now() + 15_000;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'line');
    if (test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
}

afterAll(() => {
  if (HAS_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe.skipIf(!HAS_TMUX)('line mode on a terminal', () => {
  it('follows a link typed at the prompt, styles headings, and quits on Ctrl-C', async () => {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `env -u NO_COLOR ${quote(process.execPath)} ${quote(CLI_PATH)} browse ${quote(`${SITE}page3.html`)}; echo "EXITED $?"; sleep 30`;
    tmux('new-session', '-d', '-s', 'line', '-x', '100', '-y', '40', command);
    await waitForPane((s) => s.includes('q(uit):'), 'the prompt');
    tmux('send-keys', '-t', 'line', '1', 'Enter');
    const coloured = await waitForPane((s) => s.includes('Page 4: Servers'), 'page 4', true);
    expect(coloured).toContain('\u001b[1mHEADING: ');
    tmux('send-keys', '-t', 'line', 'C-c');
    await waitForPane((s) => s.includes('EXITED 0'), 'a clean exit');
  });
});
