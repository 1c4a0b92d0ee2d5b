// Real `plainwire imchat` processes driven through pipes against a real `plainwire store` process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  cursorKey,
  logKey,
  logPrefix,
  parseCursorValue,
  parseLogValue,
  parseRoomKey,
} from '../../src/imchat/keys.js';
import { type CliProcess, runCli, spawnCli, startCliServer } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { shareTestStore, startTestStore } from './store.js';

const shared = shareTestStore();

const MESSAGE = /^\[\d\d:\d\d:\d\d\] ([A-Za-z0-9_-]+): (.*)$/;

/** The message lines of a process's stdout as "name: text". */
function messages(proc: CliProcess): string[] {
  return proc.stdout.lines.flatMap((line) => {
    const m = MESSAGE.exec(line);
    return m ? [`${m[1]}: ${m[2]}`] : [];
  });
}

function imchat(url: string, name: string, room: string, ...extra: string[]): CliProcess {
  return spawnCli(['imchat', url, '--name', name, '--room', room, ...extra]);
}

async function joined(...procs: CliProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stdout.waitFor(/\* joined room /, 60_000)));
}

describe('plainwire imchat', () => {
  it('explains bad usage (exit 2) and an unreachable store (exit 1) in one line', async () => {
    const bad = await runCli(['imchat', shared.store.url, '--name', 'a/b']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/name "a\/b" is not allowed/);
    const down = await runCli(['imchat', 'http://127.0.0.1:1', '--name', 'x']);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1\/.*is `plainwire store` running/);
    // Said once, not "cannot reach the store at URL: cannot reach URL: ...".
    expect(down.stderr.match(/cannot reach/g)).toHaveLength(1);
    const help = await runCli(['imchat', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });

  it('says when the URL answers HTTP but is not a plainwire store', async () => {
    const other = createServer((_req, res) => res.end('<html>hello</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as AddressInfo;
      const r = await runCli(['imchat', `http://127.0.0.1:${port}`, '--name', 'x'], { input: '' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^plainwire imchat: http://127\\.0\\.0\\.1:${port}/ is not a plainwire store \\(no X-Plainwire-Revision header; is the URL right\\?\\)\\n$`,
        ),
      );
    } finally {
      other.close();
    }
  });

  it('needs the token of a store started with --token, and says so', async () => {
    const guarded = await startCliServer(['store', '--port', '0', '--memory', '--token', 's3cret']);
    try {
      const refused = await runCli(['imchat', guarded.url, '--name', 'alice'], { input: 'hi\n' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused us \(401\): pass its token with --token/);
      const allowed = await runCli(['imchat', guarded.url, '--name', 'alice', '--token', 's3cret'], {
        input: 'hi\n',
      });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stdout).toMatch(/\] alice: hi$/m);
    } finally {
      await guarded.stop();
    }
  });

  it('never says a mistyped slash command to the room; "//" says a line that starts with "/"', async () => {
    const room = 'slashes';
    const r = await runCli(['imchat', shared.store.url, '--name', 'carol', '--room', room], {
      input: '/hlep\n//etc is a folder\nhello\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/unknown command \/hlep \(type \/help/);
    const { items } = await shared.client.listAll(logPrefix(room));
    const said = items.map((item) => parseLogValue(item.value)?.text);
    expect(said).toEqual(['/etc is a folder', 'hello']);
  });

  it('with several store URLs, starts and chats through the one that answers when the first is dead', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const room = 'nodes';
    const alice = imchat(`${dead},${shared.store.url}`, 'alice', room);
    const bob = imchat(shared.store.url, 'bob', room);
    await joined(alice, bob);
    alice.child.stdin.write('hello over the second node\n');
    await bob.stdout.waitFor('alice: hello over the second node');
    bob.child.stdin.write('heard you\n');
    await alice.stdout.waitFor('bob: heard you');
    alice.child.stdin.end();
    bob.child.stdin.end();
    expect(await Promise.all([alice.exited, bob.exited])).toEqual([0, 0]);
    const bad = await runCli(['imchat', `${shared.store.url},ftp://x`, '--name', 'alice']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/store URL 2 of 2: "ftp:\/\/x" is not a store URL/);
  });

  it('SIGTERM leaves at once, even while piped lines wait for a partner in turn mode', async () => {
    const solo = imchat(shared.store.url, 'solo', 'alone', '--turns');
    solo.child.stdin.end('a1\na2\n');
    await solo.stdout.waitFor(/waiting for someone to join/, 60_000);
    // stop() SIGKILLs after 5 s: a client that ignored SIGTERM would exit with null, not 0.
    expect(await solo.stop('SIGTERM')).toBe(0);
    expect(messages(solo)).toEqual(['solo: a1']);
  });

  it('turn mode: two processes started together alternate; a third is told the room is full', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const room = `procpair${trial}`;
      const [a, b] = await Promise.all([
        runCli(['imchat', shared.store.url, '--name', 'alice', '--room', room, '--turns'], {
          input: 'a1\na2\na3\n',
        }),
        runCli(['imchat', shared.store.url, '--name', 'bob', '--room', room, '--turns'], {
          input: 'b1\nb2\nb3\n',
        }),
      ]);
      expect([a.code, b.code], `${a.stderr}${b.stderr}`).toEqual([0, 0]);
      const { items } = await shared.client.listAll(logPrefix(room));
      const said = items
        .sort((x, y) => x.version - y.version)
        .map(
          (i) =>
            [(parseRoomKey(room, i.key) as { name: string }).name, parseLogValue(i.value)!.turn!] as const,
        );
      expect(said).toHaveLength(6);
      for (let i = 1; i < said.length; i++) {
        expect(said[i]![0]).not.toBe(said[i - 1]![0]);
        expect(said[i]![1]).toBeGreaterThan(said[i - 1]![1]);
      }
      const first = said[0]![0];
      // Each saw its turns announced, and the messages it was shown are in the same order as the store's.
      expect((first === 'alice' ? a : b).stdout).toMatch(/\* your turn \(turn 1\)/);
    }
    const a = imchat(shared.store.url, 'alice', 'fullroom', '--turns');
    const b = imchat(shared.store.url, 'bob', 'fullroom', '--turns');
    await joined(a, b);
    const third = await runCli([
      'imchat',
      shared.store.url,
      '--name',
      'carol',
      '--room',
      'fullroom',
      '--turns',
    ]);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(
      /room "fullroom" is full: (alice and bob|bob and alice) are taking turns.*--room/,
    );
    a.child.stdin.end();
    b.child.stdin.end();
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  });

  it('turn mode: when the holder of the turn is SIGKILLed, the other is told and gets the turn within 10 s', async () => {
    const alice = imchat(shared.store.url, 'alice', 'vanishing', '--turns', '--presence-ttl', '2');
    await alice.stdout.waitFor('* your turn (turn 1)');
    const bob = imchat(shared.store.url, 'bob', 'vanishing', '--turns', '--presence-ttl', '2');
    await bob.stdout.waitFor('* waiting for alice (turn 1)');
    await alice.stop('SIGKILL');
    await bob.stdout.waitFor('* alice timed out', 60_000);
    await bob.stdout.waitFor(/\* your turn \(turn 2\)/, 60_000);
    bob.child.stdin.end('alone now\n');
    expect(await bob.exited).toBe(0);
    expect(messages(bob)).toEqual(['bob: alone now']);
  });

  it('live mode: 5 users each sending 100 messages at once all see all 500, in order, once', async () => {
    const names = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const procs = names.map((name) => imchat(shared.store.url, name, 'five'));
    await joined(...procs);
    for (const [i, proc] of procs.entries())
      proc.child.stdin.write(Array.from({ length: 100 }, (_, n) => `${names[i]}-${n + 1}\n`).join(''));
    await Promise.all(
      procs.map((proc) => {
        let count = 0;
        return proc.stdout.waitFor((line) => MESSAGE.test(line) && ++count === 500, 60_000);
      }),
    );
    for (const proc of procs) proc.child.stdin.end();
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0, 0]);
    for (const proc of procs) {
      const seen = messages(proc);
      expect(seen).toHaveLength(500);
      expect(new Set(seen).size).toBe(500);
      for (const name of names)
        expect(seen.filter((m) => m.startsWith(`${name}:`))).toEqual(
          Array.from({ length: 100 }, (_, n) => `${name}: ${name}-${n + 1}`),
        );
    }
  });

  it('a client SIGKILLed (idle, then mid-send) and restarted with its name loses and repeats nothing', async () => {
    const room = 'killed';
    const alice = imchat(shared.store.url, 'alice', room);
    const bob = imchat(shared.store.url, 'bob', room);
    await joined(alice, bob);
    alice.child.stdin.write('a1\na2\na3\na4\na5\n');
    await bob.stdout.waitFor('alice: a5');
    // Kill outside the documented window (between printing and the cursor write): once the cursor has a5.
    const a5 = (await shared.client.getEntry(logKey(room, 'alice', 5)))!.version;
    for (let i = 0; i < 200; i++) {
      const cursor = parseCursorValue((await shared.client.get(cursorKey(room, 'bob'))) ?? '');
      if (cursor && cursor.revision >= a5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await bob.stop('SIGKILL');
    alice.child.stdin.write('a6\na7\na8\n');
    await alice.stdout.waitFor('alice: a8');
    const bob2 = imchat(shared.store.url, 'bob', room);
    await bob2.stdout.waitFor('alice: a8', 60_000);
    expect(messages(bob2)).toEqual(['alice: a6', 'alice: a7', 'alice: a8']);

    // Now kill it while it is sending: what the store acknowledged stays, nothing is sent twice.
    bob2.child.stdin.write(Array.from({ length: 40 }, (_, n) => `x${n + 1}\n`).join(''));
    await alice.stdout.waitFor('bob: x5');
    await bob2.stop('SIGKILL');
    const bob3 = imchat(shared.store.url, 'bob', room);
    await joined(bob3);
    bob3.child.stdin.end('y1\ny2\n');
    expect(await bob3.exited).toBe(0);
    await alice.stdout.waitFor('bob: y2');
    const fromBob = messages(alice).filter((m) => m.startsWith('bob:'));
    const xs = fromBob.filter((m) => m.startsWith('bob: x'));
    expect(xs).toEqual(Array.from({ length: xs.length }, (_, n) => `bob: x${n + 1}`));
    expect(fromBob.slice(xs.length)).toEqual(['bob: y1', 'bob: y2']);
    alice.child.stdin.end();
    expect(await alice.exited).toBe(0);
  });

  it('when the store is SIGKILLed and restarted on its data, clients wait, reconnect and carry on', async () => {
    const own = await startTestStore();
    try {
      const alice = imchat(own.url, 'alice', 'outage');
      const bob = imchat(own.url, 'bob', 'outage');
      await joined(alice, bob);
      alice.child.stdin.write('before\n');
      await bob.stdout.waitFor('alice: before');
      await own.kill();
      alice.child.stdin.write('during1\nduring2\n');
      await alice.stderr.waitFor(/store unreachable/, 60_000);
      await own.restart();
      await bob.stdout.waitFor('alice: during2', 60_000);
      bob.child.stdin.write('after\n');
      await alice.stdout.waitFor('bob: after', 60_000);
      await alice.stderr.waitFor(/store reachable again/, 60_000);
      alice.child.stdin.end();
      bob.child.stdin.end();
      expect(await Promise.all([alice.exited, bob.exited])).toEqual([0, 0]);
      expect(messages(bob)).toEqual(['alice: before', 'alice: during1', 'alice: during2', 'bob: after']);
    } finally {
      await own.stop();
    }
  });
});
