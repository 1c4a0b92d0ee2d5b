// Every long-running server command as a real process: Ctrl-C (SIGINT) exits 130 and SIGTERM 143 after a clean
// stop, the shell's 128 + signal, so a script can tell "stopped" from "finished"; a second Ctrl-C forces it.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliServer } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'plainwire-server-exit-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const SERVERS: Array<[string, string[]]> = [
  ['serve', ['serve', '.', '--port', '0']],
  ['store', ['store', '--memory', '--port', '0']],
  ['store (on disk)', ['store', '--data', dataDir, '--port', '0']],
  ['chat-server', ['chat-server', '--port', '0']],
  ['echo-server', ['echo-server', '--port', '0']],
  ['ego-server', ['ego-server', '--port', '0']],
];

describe.each(SERVERS)('plainwire %s', (_name, args) => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('stops cleanly on %s and exits %i', async (signal, code) => {
    const server = await startCliServer(args);
    expect(await server.stop(signal), server.stderr.text()).toBe(code);
    expect(server.stderr.text()).toMatch(/stopped/);
  });
});

it('exits at once on a second Ctrl-C while the first is still waiting for a client to leave', async () => {
  const server = await startCliServer(['echo-server', '--port', '0']);
  // Half-open: it never ends its side, so the server's clean stop waits for it (up to its stop timeout).
  const client = net.connect({ port: server.port, host: server.host, allowHalfOpen: true });
  client.on('error', () => {});
  client.resume();
  try {
    await new Promise((resolve) => client.once('connect', resolve));
    await server.stderr.waitFor(/client connected/);
    server.child.kill('SIGINT');
    // The server said goodbye and ended its side: the clean stop is under way.
    await new Promise((resolve) => client.once('end', resolve));
    expect(await server.stop('SIGINT')).toBe(130);
    expect(server.stderr.text()).toMatch(/SIGINT again, exiting now/);
    expect(server.stderr.text()).not.toMatch(/"msg":"stopped"/);
  } finally {
    client.destroy();
  }
});
