// A service that crashes takes the others down cleanly with it (chat users told, store closed, every port
// closed, exit 1), rather than leaving half a lab running, even when the crashed one cannot stop.
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../chat/raw-client.js';
import { accepts, removeDirs, type RunningLab, startLab, tempDataDir } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./crashing-lab.mjs', import.meta.url));

const dirs: string[] = [];
const running: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  removeDirs(dirs);
});

describe('plainwire lab, when a service crashes', () => {
  it('stops every other service with a message and exits 1', async () => {
    const lab: RunningLab = await startLab([tempDataDir(dirs)], { script: SCRIPT });
    running.push(lab);
    expect(lab.rows.map((r) => r.service)).toEqual(['serve', 'store', 'chat-server', 'crasher']);
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
      'plainwire lab: stopping serve, store, chat-server, crasher after the crash',
    );
    expect(lab.stderr.text()).toMatch(/INFO \(store\): stopped/);
    // The crasher's stop waits for its client for ever: the lab gives up on it and exits.
    expect(lab.stderr.lines.at(-1)).toBe('plainwire lab: crasher did not stop within 5 s: exiting anyway');
    await ada.closed;
    expect(ada.lines).toContain('BYE server stopping');
    for (const port of Object.values(lab.ports)) expect(await accepts(port)).toBe(false);
  });
});
