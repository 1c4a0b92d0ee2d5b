// A service that misbehaves: a crash takes the others down cleanly with it (chat users told, store closed, every
// port closed, exit 1) even when the crashed one cannot stop; a signal during start-up stops what has started.
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../chat/raw-client.js';
import {
  accepts,
  READY,
  removeDirs,
  type RunningLab,
  spawnScript,
  startLab,
  tempDataDir,
} from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixture-lab.mjs', import.meta.url));

const dirs: string[] = [];
const running: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  removeDirs(dirs);
});

describe('plainwire lab, when a service crashes', { timeout: 60_000 }, () => {
  it('stops every other service with a message and exits 1', async () => {
    const lab: RunningLab = await startLab(['crash', tempDataDir(dirs)], { script: SCRIPT });
    running.push(lab);
    expect(lab.rows.map((r) => r.service)).toEqual(['serve', 'store', 'chat-server', 'chat-web', 'crasher']);
    const ada = await RawClient.join(lab.ports['chat-server']!, 'ada');
    running.push({ stop: async () => ada.destroy() });

    const poke = connect({ port: lab.ports.crasher!, host: '127.0.0.1' }, () => poke.write('boom\n'));
    poke.on('error', () => {});
    running.push({ stop: async () => poke.destroy() });

    expect(await lab.exited).toBe(1);
    expect(lab.stderr.text()).toContain(
      'plainwire lab: a service crashed: Error: crasher: cannot handle that',
    );
    expect(lab.stderr.text()).toContain(
      'plainwire lab: stopping serve, store, chat-server, chat-web, crasher after the crash',
    );
    expect(lab.stderr.text()).toMatch(/INFO \(store\): stopped/);
    // The crasher's stop waits for its client for ever: the lab gives up on it and exits.
    expect(lab.stderr.lines.at(-1)).toBe('plainwire lab: crasher did not stop within 5 s: exiting anyway');
    await ada.closed;
    expect(ada.lines).toContain('BYE server stopping');
    for (const port of Object.values(lab.ports)) expect(await accepts(port)).toBe(false);
  });
});

describe('plainwire lab, stopped twice', { timeout: 60_000 }, () => {
  it('exits at once on the second SIGINT when a service is slow to stop', async () => {
    const lab: RunningLab = await startLab(['crash', tempDataDir(dirs)], { script: SCRIPT });
    running.push(lab);
    // A client the crasher's stop waits for (it sends nothing, so nothing crashes).
    const client = connect({ port: lab.ports.crasher!, host: '127.0.0.1' });
    client.on('error', () => {});
    running.push({ stop: async () => client.destroy() });
    await new Promise((resolve) => client.once('connect', resolve));

    lab.child.kill('SIGINT');
    await lab.stderr.waitFor(/\(store\): stopped/);
    expect(lab.child.exitCode).toBeNull();
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(130);
    expect(lab.stderr.lines.at(-1)).toBe(
      'plainwire lab: SIGINT again: exiting now, without waiting for the services',
    );
    for (const port of Object.values(lab.ports)) expect(await accepts(port)).toBe(false);
  });
});

describe('plainwire lab, stopped while it starts', { timeout: 60_000 }, () => {
  it('stops what has started once the service being started is up, and is never ready', async () => {
    const lab = spawnScript(SCRIPT, ['slow-start', tempDataDir(dirs)]);
    running.push(lab);
    const waiting = await lab.stderr.waitFor(/\(slow\): waiting on 127\.0\.0\.1:(\d+)/, 60_000);
    lab.child.kill('SIGINT');
    await lab.stderr.waitFor('plainwire lab: SIGINT: stopping once the service being started is up');
    const slow = connect({ port: Number(/:(\d+) for a client/.exec(waiting)![1]), host: '127.0.0.1' });
    slow.on('error', () => {});
    running.push({ stop: async () => slow.destroy() });

    expect(await lab.exited).toBe(130);
    expect(lab.stderr.text()).toContain(
      'plainwire lab: SIGINT: stopping serve, store, chat-server, chat-web, slow (Ctrl-C again exits at once)',
    );
    expect(lab.stderr.lines.at(-1)).toBe('plainwire lab: stopped');
    expect(lab.stdout.text()).not.toContain(READY);
    const ports = [...lab.stderr.text().matchAll(/listening on (?:http:\/\/)?127\.0\.0\.1:(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(ports).toHaveLength(4);
    for (const port of ports) expect(await accepts(port)).toBe(false);
  });
});
