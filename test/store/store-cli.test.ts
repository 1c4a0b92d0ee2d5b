// `plainwire store` as a user runs it: help, usage errors, a data directory in use, a busy port, a clean stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, startCliServer } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'plainwire-store-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('--help explains the options with an example', async () => {
  const r = await runCli(['store', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/--data <dir>/);
  expect(r.stdout).toMatch(/--token <secret>/);
  for (const flag of ['--allow-origin <origin>', '--max-connections <n>', '--disk-reserve <bytes>'])
    expect(r.stdout).toContain(flag);
  expect(r.stdout).toMatch(/Examples:/);
});

it('bad usage exits 2 with one line', async () => {
  const both = await runCli(['store', '--memory', '--data', join(dir, 'x'), '--port', '0']);
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/--data or --memory/);
  const priv = await runCli(['store', '--memory', '--private', '--port', '0']);
  expect(priv.code).toBe(2);
  expect(priv.stderr).toMatch(/--private needs --token/);
  expect((await runCli(['store', '--port', 'http'])).code).toBe(2);
  // A token no client could send as "Authorization: Bearer TOKEN" is refused before the store starts.
  const spaced = await runCli(['store', '--memory', '--token', 'two words', '--port', '0']);
  expect(spaced.code).toBe(2);
  expect(spaced.stderr).toMatch(/visible ASCII without spaces/);
});

it('a data directory in use and a busy port give errors a person can act on; SIGTERM stops cleanly', async () => {
  const data = join(dir, 'store');
  const first = await startCliServer(['store', '--data', data, '--port', '0']);
  try {
    const second = await runCli(['store', '--data', data, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+ \(is another store using it\?/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    const busy = await runCli(['store', '--memory', '--port', String(first.port)]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: address in use/);
    const set = await fetch(`${first.url}/?action=set&key=k&value=v`);
    expect(set.status).toBe(200);
  } finally {
    expect(await first.stop('SIGTERM')).toBe(143);
  }
  // Stopped cleanly: the directory is free and the data is there.
  const again = await startCliServer(['store', '--data', data, '--port', '0']);
  try {
    expect(await (await fetch(`${again.url}/?action=get&key=k`)).text()).toBe('v');
  } finally {
    await again.stop();
  }
});

it('warns loudly, in one line, when it listens beyond this machine without a token', async () => {
  const open = await startCliServer(['store', '--memory', '--host', '0.0.0.0', '--port', '0']);
  try {
    const warning = open.stderr.lines.find((l) => l.includes('WARNING'));
    expect(warning).toMatch(
      /^plainwire store: WARNING: bound to 0\.0\.0\.0 without --token, so anyone .* add --token/,
    );
  } finally {
    await open.stop();
  }
  for (const args of [
    ['--host', '0.0.0.0', '--token', 's3cret'],
    ['--host', '127.0.0.1'],
  ]) {
    const quiet = await startCliServer(['store', '--memory', '--port', '0', ...args]);
    try {
      expect(quiet.stderr.text()).not.toMatch(/WARNING/);
    } finally {
      await quiet.stop();
    }
  }
});
