// A full disk under the real `plainwire store`: a small tmpfs mounted by the test holds the data directory, a filler
// file takes the rest of its space. Writes that do not fit get 507 and the process stays up; reads go on; once the
// filler is gone, writes work again without a restart, and a restart finds every acknowledged write.
// Mounting needs root (CI runs as root); elsewhere the test is skipped with a warning saying so.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { http, q } from './http.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'plainwire-full-disk-'));
let mounted = false;
let whyNot = '';
if (process.getuid?.() !== 0) whyNot = 'not running as root';
else
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    whyNot = `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
if (!mounted)
  console.warn(
    `\n*** SKIPPED test/store/full-disk.test.ts: ${whyNot}; the full-disk behaviour is NOT tested ***\n`,
  );

let server: CliServer | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes zeros to `path` until the filesystem says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

type Reply = Awaited<ReturnType<typeof http>>;

/**
 * Writes `valueBytes`-byte values before, while and after the disk is full, checks the answers, then restarts the
 * store and checks that every acknowledged write is there.
 */
async function fullDiskScenario(
  name: string,
  extraArgs: string[],
  valueBytes: number,
  unsetWhileFull = false,
): Promise<Reply> {
  const data = join(mountPoint, name);
  const filler = join(mountPoint, `${name}.filler`);
  server = await startCliServer(['store', '--data', data, '--port', '0', ...extraArgs]);
  const acknowledged = new Map<string, string>();
  const set = async (key: string): Promise<Reply> => {
    const value = `${key}:${'v'.repeat(valueBytes)}`;
    const r = await http(`${server!.url}/?${q({ action: 'set', key })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: value,
    });
    if (r.status === 200) acknowledged.set(key, value);
    return r;
  };
  for (let i = 0; i < 5; i++) expect((await set(`before/${i}`)).status).toBe(200);
  fillDisk(filler);
  // lmdb reuses pages it freed earlier, so a write or two may still fit: write until the disk refuses.
  let refused: Reply | undefined;
  for (let i = 0; i < 40 && !refused; i++) {
    const r = await set(`full/${i}`);
    if (r.status !== 200) refused = r;
  }
  expect(refused?.status).toBe(507);
  expect(refused?.text).toMatch(/the disk is full.*nothing of this write was stored.*free space/);
  expect(refused?.headers.get('retry-after')).toBeTruthy();
  // Still up: reads answer, and more writes are refused the same way.
  const first = await http(`${server.url}/?action=get&key=before%2F0`);
  expect(first.text).toBe(acknowledged.get('before/0'));
  for (let i = 0; i < 3; i++) expect((await set(`full/again/${i}`)).status).toBe(507);
  expect(server.child.exitCode).toBeNull();
  if (unsetWhileFull) {
    // The reserve is there so that deletes still run and free space.
    expect((await http(`${server.url}/?action=unset&key=before%2F1`)).status).toBe(200);
    acknowledged.delete('before/1');
    expect((await http(`${server.url}/?action=get&key=before%2F1`)).headers.get('x-plainwire-version')).toBe(
      '0',
    );
  }

  unlinkSync(filler);
  for (let i = 0; i < 5; i++) expect((await set(`after/${i}`)).status).toBe(200);
  expect(await server.stop('SIGTERM')).toBe(0);
  server = await startCliServer(['store', '--data', data, '--port', '0']);
  expect((await http(`${server.url}/?action=get&key=before%2F1`)).text).toBe(
    unsetWhileFull ? '' : acknowledged.get('before/1'),
  );
  for (const [key, value] of acknowledged) {
    const r = await http(`${server.url}/?${q({ action: 'get', key })}`);
    expect([key, r.text.length, r.text === value]).toEqual([key, value.length, true]);
  }
  await server.stop('SIGTERM');
  server = undefined;
  return refused!;
}

it.skipIf(!mounted)(
  'refuses sets with 507 once the disk is down to the reserve, lets unsets run, recovers',
  async () => {
    const refused = await fullDiskScenario('reserve', [], 100_000, true);
    expect(refused.text).toMatch(/keeps 32\.0 MiB for deletes/);
  },
);

it.skipIf(!mounted)('without a reserve, a write lmdb cannot fit gets 507 and the store goes on', async () => {
  // Values of one lmdb page or so: lmdb-js's native write path is what reports the full disk here.
  await fullDiskScenario('no-reserve', ['--disk-reserve', '0'], 2000);
});
