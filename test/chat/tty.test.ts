// `plainwire chat` in a real terminal (tmux): a line being typed that wraps over several rows survives
// incoming messages whole, with no half of it left on the screen.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatServer } from '../../src/chat/server.js';
import { RawClient } from './raw-client.js';

const HAS_TMUX = spawnSync('which', ['tmux']).status === 0;
// A private tmux server (its own socket), so the test never touches a tmux the developer is using.
const SOCKET = `plainwire-chat-tty-test-${process.pid}`;
const CLI = fileURLToPath(new URL('../../dist/src/cli/plainwire.cjs', import.meta.url));

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

async function waitForPane(pattern: RegExp, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let pane = '';
  while (Date.now() < deadline) {
    pane = tmux('capture-pane', '-p', '-t', 'chat');
    if (pattern.test(pane)) return pane;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pane never matched ${pattern}; it shows:\n${pane}`);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe.skipIf(!HAS_TMUX)('plainwire chat in a terminal', () => {
  it('keeps a wrapped line being typed whole while messages arrive', async () => {
    const server = new ChatServer();
    const { port } = await server.start({ port: 0 });
    cleanups.push(() => server.stop());
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} chat 127.0.0.1:${port} --name zed`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '40', '-y', '20', command);
    cleanups.push(() => {
      spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    });
    await waitForPane(/^zed>/m);
    const other = await RawClient.join(port, 'yan');
    cleanups.push(() => other.destroy());
    // 57 columns after the prompt: two rows of a 40-column terminal.
    const typed = '中文 long line long line long line long line long line end';
    tmux('send-keys', '-t', 'chat', '-l', typed);
    await waitForPane(/line end/);
    expect(await other.reply('MESSAGE while you type')).toBe('OK SENT 1');
    const pane = await waitForPane(/<yan> while you type/);
    const rows = pane.split('\n');
    const message = rows.findIndex((r) => r.includes('<yan> while you type'));
    // Above the message, no trace of the typed line; below it, the prompt and the whole line again.
    expect(rows.slice(0, message).join('\n')).not.toMatch(/long line|zed> 中文/);
    // (tmux drops the space at the end of a wrapped row, so compare without spaces)
    const below = rows
      .slice(message + 1)
      .join('')
      .replaceAll(' ', '');
    expect(below).toContain(`zed>${typed}`.replaceAll(' ', ''));
  });

  it('asks for --name when the output is not a terminal, though the input is', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} chat 127.0.0.1:1 > /dev/null; echo EXIT=$?; sleep 30`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '120', '-y', '20', command);
    cleanups.push(() => {
      spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    });
    const pane = await waitForPane(/EXIT=/);
    expect(pane.replace(/\n/g, ' ')).toMatch(
      /plainwire chat: --name is required unless both input and output are a terminal/,
    );
    expect(pane).toMatch(/^EXIT=2$/m);
  });
});
