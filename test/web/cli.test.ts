// `plainwire serve` as a user runs it: the built CLI in a child process, over real sockets.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, runCli, startCliServer } from '../helpers/cli.js';
import { rawExchange } from './raw-client.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

describe('plainwire serve', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(['serve', SITE, '--port', '0']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves the directory over HTTP/1.1 and HTTP/0.9 and logs each request', async () => {
    const expected = await readFile(`${SITE}page1.html`);
    const res = await fetch(`${server.url}/page1.html`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
    expect((await rawExchange(server.port, ['GET /page1.html\r\n'])).equals(expected)).toBe(true);
    const line = await server.stderr.waitFor(/"path":"\/page1.html".*"version":"0.9"/);
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', status: 200, bytes: expected.length });
    expect(server.host).toBe('127.0.0.1');
  });

  it('stops on SIGTERM with exit code 143 (128 + SIGTERM)', async () => {
    const other = await startCliServer(['serve', SITE, '--port', '0']);
    const code = await other.stop('SIGTERM');
    expect(code, other.stderr.text()).toBe(143);
    // Whoever watches the log (or the terminal) sees that it stopped, not just a silent exit.
    expect(other.stderr.text()).toMatch(/"msg":"stopped"/);
  });

  it('serves the current directory by default', async () => {
    const here = await startCliServer(['serve', '--port', '0'], { cwd: `${SITE}redirect` });
    try {
      expect(await (await fetch(`${here.url}/`)).text()).toContain('<title>You were redirected</title>');
    } finally {
      await here.stop();
    }
  });

  it('says what is wrong with the directory, and exits 1', async () => {
    const missing = await runCli(['serve', '/no/such/dir', '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('plainwire serve: /no/such/dir does not exist');
    const file = await runCli(['serve', `${SITE}page1.html`, '--port', '0']);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain('is not a directory');
    expect(file.stderr).not.toMatch(/\n\s+at /);
  });

  it('says when the port is taken, and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['serve', SITE, '--port', String(port)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`plainwire serve: cannot listen on 127.0.0.1:${port}: address in use`);
    } finally {
      blocker.close();
    }
  });

  it('has --help with an example, and rejects a bad port with exit 2', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('plainwire serve examples/site');
    expect(help.stdout).toContain('--port');
    const bad = await runCli(['serve', '--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a port number');
  });

  it('takes the slow-client limits as options, and says them in --help', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toMatch(/--header-timeout <seconds>[\s\S]*\(default: 10\)/);
    expect(help.stdout).toMatch(/--max-connections <n>[\s\S]*\(default: 1000\)/);
    expect(help.stdout).toContain('exits 130');
    for (const bad of [
      ['--header-timeout', '0'],
      ['--keep-alive-timeout', 'soon'],
      ['--header-timeout', '86401'],
      ['--max-connections', '-1'],
    ]) {
      expect((await runCli(['serve', SITE, ...bad])).code, bad.join(' ')).toBe(2);
    }
    const strict = await startCliServer(['serve', SITE, '--port', '0', '--header-timeout', '1']);
    try {
      const answer = await rawExchange(strict.port, ['GET /page1.html HTTP/1.1\r\n'], { timeoutMs: 15_000 });
      expect(answer.toString()).toMatch(/^HTTP\/1\.0 408 [\s\S]*within 1 s of connecting/);
    } finally {
      await strict.stop();
    }
  });
});
