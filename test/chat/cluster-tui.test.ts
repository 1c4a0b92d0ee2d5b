// `plainwire chat --tui` on a chat cluster: the built CLI in a real terminal (tmux) given two nodes of one real
// Redis; when its node is killed (SIGKILL) it says so in the pane, moves to the other node under the same name,
// back in its group, and hears the people there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliServer, startCliServer } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis.js';
import { exitedWith, HAS_TMUX, tmuxIn } from '../helpers/tmux.js';
import { RawClient } from './raw-client.js';

let redis: TestRedis | undefined;
let workDir: string;
const nodes: CliServer[] = [];
const clients: RawClient[] = [];

const { tmux, waitForPane, start } = tmuxIn(() => workDir);

function type(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
}

async function node(): Promise<CliServer> {
  const server = await startCliServer([
    'chat-server',
    '--port',
    '0',
    '--redis',
    redis!.url,
    '--redis-lease',
    '2',
  ]);
  nodes.push(server);
  return server;
}

describe.skipIf(!HAS_TMUX)('chat --tui on a cluster', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'plainwire-cluster-tui-'));
    redis = await TestRedis.start();
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session is left: the tmux server has already gone.
    }
    for (const c of clients.splice(0)) c.destroy();
    await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
    await redis?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('moves to the next node when its node is killed: says so, same name, same group, hears the others', async () => {
    const [a, b] = [await node(), await node()];
    const bob = await RawClient.join(b.port, 'bob');
    clients.push(bob);
    const session = 'chat-ada';
    start(
      session,
      [
        'env',
        'CI=true',
        process.execPath,
        CLI_PATH,
        'chat',
        `127.0.0.1:${a.port},127.0.0.1:${b.port}`,
        '--tui',
        '--name',
        'ada',
      ],
      { columns: 120, rows: 30 },
      join(workDir, `${session}.pid`),
    );
    await waitForPane(
      session,
      (s) => s.includes(`127.0.0.1:${a.port} | ada | connected`),
      "ada's status line",
    );
    await bob.until('JOINED ada');
    type(session, '/join ops');
    await waitForPane(session, (s) => s.includes('-- you joined ops'), 'ops joined');
    expect(await bob.reply('JOIN ops')).toBe('OK JOINED ops');
    await waitForPane(session, (s) => s.includes('-- bob joined ops'), 'bob joining ops');

    // Killed by its pid, as a crash would: no goodbye, the connection just ends.
    process.kill(a.child.pid!, 'SIGKILL');
    await a.exited;
    await waitForPane(
      session,
      (s) => s.includes(`lost the connection to 127.0.0.1:${a.port}`) && s.includes('moving to another node'),
      'the notice that the node was lost',
    );
    // Back under the same name once the dead node's lease (2 s) has let it go, and in ops again.
    const moved = await waitForPane(
      session,
      (s) =>
        s.includes(`127.0.0.1:${b.port} | ada | connected`) &&
        s.includes(`reconnected to 127.0.0.1:${b.port} as ada`),
      'the move to the other node',
    );
    expect(moved.replace(/\n/g, '')).toMatch(/back in\s*ops/);
    await bob.until('JOINED ada ops');
    expect(await bob.reply('MESSAGE welcome back')).toBe('OK SENT 1');
    await waitForPane(session, (s) => s.includes('<bob> welcome back'), "bob's message after the move");
    expect(await bob.reply('GROUP ops still here')).toBe('OK SENT 1');
    await waitForPane(
      session,
      (s) => s.includes('[ops] <bob> still here'),
      "bob's group message after the move",
    );
    type(session, 'hello from b');
    expect(await bob.until(/^MESSAGE ada /)).toBe('MESSAGE ada hello from b');
    expect(await bob.reply('USERS')).toBe('OK USERS 2 ada bob');

    tmux('send-keys', '-t', session, 'C-c');
    await waitForPane(session, (s) => exitedWith(s, 0), 'ada to exit');
    // Several waits in a row, one of them a lease running out, on a loaded two-core machine.
  }, 180_000);
});

if (!HAS_TMUX) console.warn('chat --tui cluster test skipped: tmux is not installed (apt-get install tmux)');
