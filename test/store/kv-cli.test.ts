// `plainwire kv` as a user runs it: the built CLI in a child process against the real store.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, runCli, spawnCli, startCliServer } from '../helpers/cli.js';
import { startStoreServer } from '../../src/store/server.js';
import { freePort } from '../helpers/ports.js';
import { sharedMemoryStore } from './memory-store.js';

const store = sharedMemoryStore({ clearEachTest: true });

it('sets and gets a value, raw on a pipe, with the new version printed by set', async () => {
  const set = await runCli(['kv', store.url, 'set', 'greeting & co', 'hello wörld = 100%']);
  expect(set.stderr).toBe('');
  expect(set.code).toBe(0);
  const version = Number(set.stdout.trim());
  expect(version).toBeGreaterThan(0);
  const get = await runCli(['kv', store.url, 'get', 'greeting & co']);
  expect(get).toMatchObject({ code: 0, stdout: 'hello wörld = 100%' });
  expect(await store.client.getEntry('greeting & co')).toEqual({
    key: 'greeting & co',
    value: 'hello wörld = 100%',
    version,
  });
});

it('answers in JSON with --json', async () => {
  const set = await runCli(['kv', store.url, 'set', 'k', 'v', '--json']);
  const written = JSON.parse(set.stdout) as { key: string; version: number; revision: number };
  expect(written).toMatchObject({ key: 'k' });
  const get = await runCli(['kv', store.url, '--json', 'get', 'k']);
  expect(JSON.parse(get.stdout)).toEqual({ key: 'k', value: 'v', version: written.version });
  const keys = await runCli(['kv', store.url, 'keys', '--json']);
  expect(JSON.parse(keys.stdout)).toEqual(['k']);
  const list = await runCli(['kv', store.url, 'list', '--json']);
  expect(JSON.parse(list.stdout)).toEqual({
    items: [{ key: 'k', value: 'v', version: written.version }],
    revision: written.revision,
  });
  expect(JSON.parse((await runCli(['kv', store.url, 'revision', '--json'])).stdout)).toEqual({
    revision: written.revision,
  });
  // C1 controls and bidi overrides are escaped too (JSON.stringify leaves them raw), meaning unchanged.
  await store.client.set('hostile', 'a\u009b31mb\u202ec');
  const hostile = await runCli(['kv', store.url, 'get', 'hostile', '--json']);
  expect(hostile.stdout).not.toMatch(/[\u009b\u202e]/);
  expect(JSON.parse(hostile.stdout).value).toBe('a\u009b31mb\u202ec');
});

it('exits 1 with "no such key" on stderr for a missing key', async () => {
  const get = await runCli(['kv', store.url, 'get', 'absent']);
  expect(get.code).toBe(1);
  expect(get.stdout).toBe('');
  expect(get.stderr).toBe('plainwire kv: no such key: absent\n');
});

it('exits 1 with one actionable line when the store is unreachable', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const result = await runCli(['kv', `http://127.0.0.1:${port}/`, 'keys']);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    `plainwire kv: cannot reach http://127.0.0.1:${port}/: connection refused (is \`plainwire store\` running?)\n`,
  );
});

it('reads the value from stdin with -, keeping it byte for byte', async () => {
  const value = 'line one\nline two with \t tab & 100%\n\n日本語 trailing newline\n';
  const set = await runCli(['kv', store.url, 'set', 'file', '-'], { input: value });
  expect(set.code).toBe(0);
  expect(await store.client.get('file')).toBe(value);
  expect((await runCli(['kv', store.url, 'get', 'file'])).stdout).toBe(value);
});

it('unsets, lists one line per entry with escapes, clears, and refuses a lost compare-and-set', async () => {
  await store.client.set('a', 'one\ttwo\nthree');
  const { version } = await store.client.set('b', '2');
  await store.client.set('c', '3');
  expect((await runCli(['kv', store.url, 'list'])).stdout).toBe('a\tone\\ttwo\\nthree\nb\t2\nc\t3\n');
  expect((await runCli(['kv', store.url, 'unset', 'c'])).code).toBe(0);
  expect((await runCli(['kv', store.url, 'keys'])).stdout).toBe('a\nb\n');

  const lost = await runCli(['kv', store.url, 'set', 'b', 'x', '--if-version', String(version - 1)]);
  expect(lost.code).toBe(1);
  expect(lost.stderr).toMatch(/^plainwire kv: .*version/);
  expect(await store.client.get('b')).toBe('2');
  expect((await runCli(['kv', store.url, 'set', 'b', 'x', '--if-version', String(version)])).code).toBe(0);

  expect((await runCli(['kv', store.url, 'clear'])).code).toBe(0);
  expect(await store.client.keys()).toEqual([]);
});

it('exits 2 on bad usage', async () => {
  expect((await runCli(['kv', store.url, 'frobnicate'])).code).toBe(2);
  expect((await runCli(['kv', store.url, 'get'])).code).toBe(2);
  expect((await runCli(['kv', store.url, 'set', 'k', 'v', '--ttl', 'soon'])).code).toBe(2);
  const misplaced = await runCli(['kv', store.url, 'get', 'k', '--ttl', '5']);
  expect(misplaced).toMatchObject({ code: 2, stderr: expect.stringMatching(/--ttl does not apply to get/) });
  const help = await runCli(['kv', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('no such key');
});

it('prints each change as a line while watching, until stopped', async () => {
  const watcher = spawnCli(['kv', store.url, 'watch', '--prefix', 'room/']);
  try {
    // The watch starts from "now": wait until its first poll is registered by making changes until one shows.
    let n = 0;
    const first = watcher.stdout.waitFor(/\tset\troom\/probe\t/, 60_000);
    const probe = setInterval(() => void store.client.set('room/probe', String(n++)), 100);
    await first.finally(() => clearInterval(probe));
    const from = watcher.stdout.lines.length;
    await store.client.set('room/alice', 'hi\u001b]0;pwned\u0007 there');
    await store.client.unset('room/alice');
    await watcher.stdout.waitFor(/\tunset\troom\/alice$/, 10_000, from);
    const lines = watcher.stdout.lines.slice(from).filter((l) => !l.includes('room/probe'));
    expect(lines.map((l) => l.split('\t').slice(1))).toEqual([
      ['set', 'room/alice', 'hi\u001b]0;pwned\u0007 there'],
      ['unset', 'room/alice'],
    ]);
  } finally {
    expect(await watcher.stop('SIGINT')).toBe(0);
  }
});

/** Runs the CLI with a real terminal as its stdout (a pty from python3's pty module). */
function runOnTerminal(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-c', 'import pty, sys; pty.spawn(sys.argv[1:])', process.execPath, CLI_PATH, ...args],
      { timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

it('sanitises what the store sent before it reaches a terminal, and passes it raw down a pipe', async () => {
  const hostile = 'safe\u001b]0;pwned\u0007\u001b[2J text\u009b31m';
  await store.client.set('hostile\u001b[31m', hostile);
  expect((await runCli(['kv', store.url, 'get', 'hostile\u001b[31m'])).stdout).toBe(hostile);
  const shown = await runOnTerminal(['kv', store.url, 'get', 'hostile\u001b[31m']);
  expect(shown).toBe('safe text\r\n');
  const keys = await runOnTerminal(['kv', store.url, 'keys']);
  expect(keys).toBe('hostile\r\n');
});

it('sends --token or PLAINWIRE_TOKEN, and says what to do when the store refuses', async () => {
  const guarded = await startStoreServer({ host: '127.0.0.1', port: 0, memory: true, token: 'open-sesame' });
  const base = `http://127.0.0.1:${guarded.port}/`;
  try {
    const refused = await runCli(['kv', base, 'set', 'k', 'v'], { env: { PLAINWIRE_TOKEN: undefined } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^plainwire kv: .*\(pass --token or set PLAINWIRE_TOKEN\)\n$/);
    expect((await runCli(['kv', base, 'set', 'k', 'v', '--token', 'open-sesame'])).code).toBe(0);
    const viaEnv = await runCli(['kv', base, 'set', 'k', 'w'], { env: { PLAINWIRE_TOKEN: 'open-sesame' } });
    expect(viaEnv.code).toBe(0);
    expect((await runCli(['kv', base, 'get', 'k'])).stdout).toBe('w');
    const spaced = await runCli(['kv', base, 'get', 'k', '--token', 'two words']);
    expect(spaced).toMatchObject({ code: 2, stderr: expect.stringMatching(/without spaces/) });
  } finally {
    await guarded.stop();
  }
});

describe('against a server that is not a plainwire store', () => {
  const OPERATIONS = [
    ['get', 'k'],
    ['set', 'k', 'v'],
    ['unset', 'k'],
    ['keys'],
    ['clear'],
    ['list'],
    ['watch', 'k'],
    ['revision'],
  ];

  async function expectRefusedEverywhere(base: string): Promise<void> {
    const results = await Promise.all(OPERATIONS.map((op) => runCli(['kv', base, ...op])));
    for (const [i, r] of results.entries()) {
      expect({ op: OPERATIONS[i]![0], code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        op: OPERATIONS[i]![0],
        code: 1,
        stdout: '',
        stderr: `plainwire kv: ${base} is not a plainwire store (no X-Plainwire-Revision header; is the URL right?)\n`,
      });
    }
  }

  it('fails every operation with one line when the URL is `plainwire serve`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plainwire-kv-serve-'));
    writeFileSync(join(dir, 'index.html'), '<p>not a store</p>');
    const web = await startCliServer(['serve', dir, '--port', '0']);
    try {
      await expectRefusedEverywhere(`${web.url}/`);
    } finally {
      await web.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails every operation with one line when the URL answers 200 to everything', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      await expectRefusedEverywhere(`http://127.0.0.1:${port}/`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails with one line, and a watch ends, when the URL is a line server that does not speak HTTP', async () => {
    const chat = await startCliServer(['chat-server', '--port', '0']);
    try {
      const base = `${chat.url}/`;
      const expected = `plainwire kv: ${base} is not a plainwire store (its answer is not HTTP; is the URL right?)\n`;
      for (const op of [
        ['set', 'k', 'v'],
        ['watch', 'k'],
      ]) {
        expect(await runCli(['kv', base, ...op])).toMatchObject({ code: 1, stdout: '', stderr: expected });
      }
    } finally {
      await chat.stop();
    }
  });

  it("talks to a server of the lab's URL API (no plainwire headers) with --any-server", async () => {
    const data = new Map<string, string>();
    const server = http.createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      if (q.get('action') === 'set') data.set(q.get('key') ?? '', q.get('value') ?? '');
      res.end(q.get('action') === 'get' ? (data.get(q.get('key') ?? '') ?? '') : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const base = `http://127.0.0.1:${port}/IMServer.php`;
      expect(await runCli(['kv', base, 'set', 'k', 'v', '--any-server'])).toMatchObject({
        code: 0,
        stderr: '',
      });
      expect(await runCli(['kv', base, 'get', 'k', '--any-server'])).toMatchObject({ code: 0, stdout: 'v' });
      expect((await runCli(['kv', base, 'get', 'k'])).code).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('several URLs: the nodes of one store', () => {
  const deadUrl = async () => `http://127.0.0.1:${await freePort()}/`;

  it('uses the node that answers when the first is down', async () => {
    const urls = `${await deadUrl()},${store.url}`;
    expect(await runCli(['kv', urls, 'set', 'k', 'v'])).toMatchObject({ code: 0, stderr: '' });
    expect(await runCli(['kv', urls, 'get', 'k'])).toMatchObject({ code: 0, stdout: 'v', stderr: '' });
    expect(await store.client.get('k')).toBe('v');
  });

  it('exits 1 with one line naming every node when none answers', async () => {
    const [a, b] = [await deadUrl(), await deadUrl()];
    const result = await runCli(['kv', `${a},${b}`, 'get', 'k', '--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^plainwire kv: cannot reach any of the store's 2 nodes \\(tried for \\d+\\.\\d s\\): ${a} connection refused; ${b} connection refused \\(is \`plainwire store\` running\\?\\)\\n$`,
      ),
    );
  });

  it('exits 2 naming the bad URL in the list', async () => {
    const bad = await runCli(['kv', `${store.url},ftp://x/`, 'get', 'k']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('store URL 2 of 2: "ftp://x/" is not an http:// or https:// URL');
    const empty = await runCli(['kv', `${store.url},,${store.url}`, 'get', 'k']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("has an empty entry: separate the store's URLs with single commas");
  });
});
