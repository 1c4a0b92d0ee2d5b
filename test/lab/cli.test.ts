// `plainwire lab`, the real executable: every service driven from its real client, then stopped by a signal with
// nothing left listening; a port in use; the data kept across runs.
import { WebSocket } from 'ws';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../chat/raw-client.js';
import { runCli } from '../helpers/cli.js';
import {
  accepts,
  python,
  READY,
  removeDirs,
  type RunningLab,
  startLab,
  tempDataDir,
  URLLIB_GET,
  URLLIB_SET,
} from './helpers.js';

// Each test starts several processes (the lab and a client per service): on a busy 2-core machine that is
// many seconds of Node start-up, so they get more than the default 30 s.
const SLOW = 120_000;

const dirs: string[] = [];
const running: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  removeDirs(dirs);
});

async function lab(...args: string[]): Promise<RunningLab> {
  // From another directory: the sample site is found next to the package.
  const started = await startLab(args, { cwd: tmpdir() });
  running.push(started);
  return started;
}

function storeUrl(l: RunningLab): string {
  return l.rows.find((r) => r.service === 'store')!.where;
}

describe('plainwire lab', () => {
  it(
    'runs serve, store, chat-server and its web client, each usable from its own client, and SIGINT stops them all (130)',
    async () => {
      const data = tempDataDir(dirs);
      const l = await lab('--ports', 'auto', '--data', data);
      expect(l.rows.map((r) => r.service)).toEqual(['serve', 'store', 'chat-server', 'chat-web']);
      expect(l.stdout.text()).toContain(`data: ${data}`);
      for (const port of Object.values(l.ports)) expect(port).toBeGreaterThan(0);
      // Every service is listening by the time the ready line is out.
      for (const port of Object.values(l.ports)) expect(await accepts(port)).toBe(true);

      // chat-server, from a raw TCP line client as telnet would be
      const chat = l.ports['chat-server']!;
      const ada = await RawClient.join(chat, 'ada');
      running.push({ stop: async () => ada.destroy() });
      const bob = await RawClient.join(chat, 'bob');
      running.push({ stop: async () => bob.destroy() });
      expect(await ada.next()).toBe('JOINED bob');
      expect(await ada.reply('MESSAGE hello, bob')).toBe('OK SENT 1');
      expect(await bob.next()).toBe('MESSAGE ada hello, bob');

      // chat-server, from plainwire chat on a pipe
      const carol = await runCli(['chat', `127.0.0.1:${chat}`, '--name', 'carol'], {
        input: 'hi from carol\n',
      });
      expect(carol.stderr).toBe('');
      expect(carol.code).toBe(0);
      expect(await bob.next()).toBe('JOINED carol');
      expect(await bob.next()).toBe('MESSAGE carol hi from carol');

      // chat-web: the page, and a WebSocket user in the same room as the TCP users
      const webUrl = `http://127.0.0.1:${l.ports['chat-web']}`;
      const html = await fetch(`${webUrl}/`);
      expect(html.status).toBe(200);
      expect(await html.text()).toContain('<title>');
      const dee = new WebSocket(`ws://127.0.0.1:${l.ports['chat-web']}/ws`, { origin: webUrl });
      running.push({ stop: async () => dee.terminate() });
      const heard: string[] = [];
      const hear = (want: string) =>
        new Promise<void>((resolve) => {
          const check = () => heard.includes(want) && resolve();
          dee.on('message', (data) => {
            heard.push(String(data));
            check();
          });
          check();
        });
      await new Promise((resolve, reject) => dee.once('open', resolve).once('error', reject));
      dee.send('REGISTER dee');
      await hear('OK REGISTERED dee');
      expect(await bob.next()).toBe('LEFT carol');
      expect(await bob.next()).toBe('JOINED dee');
      expect(await bob.reply('MESSAGE hi dee')).toBe('OK SENT 2');
      await hear('MESSAGE bob hi dee');

      // store, from Python's urllib
      expect((await python(URLLIB_SET, storeUrl(l), 'greeting', 'héllo wörld')).trim()).toBe('200 1');
      expect(await python(URLLIB_GET, storeUrl(l), 'greeting')).toBe('héllo wörld');

      // serve, from plainwire browse (the sample site, found next to the package, not in the current directory)
      const page = await runCli(['browse', '--dump', `http://127.0.0.1:${l.ports.serve}/page1.html`]);
      expect(page.code, page.stderr).toBe(0);
      expect(page.stdout).toContain('Page 1: Hello from plainwire');

      // Every service logs into the one stream, its name on each line.
      for (const name of ['serve', 'store', 'chat-server', 'chat-web'])
        expect(l.stderr.text()).toMatch(new RegExp(`INFO \\(${name}\\): listening on`));
      expect(l.stderr.text()).toMatch(/INFO \(serve\): GET \/page1\.html 200/);

      expect(await l.stop('SIGINT')).toBe(130);
      // Chat users were told before the connection closed.
      expect(ada.lines).toContain('BYE server stopping');
      expect(bob.lines).toContain('BYE server stopping');
      for (const port of Object.values(l.ports)) expect(await accepts(port)).toBe(false);
      expect(l.stderr.text()).toContain(
        'plainwire lab: SIGINT: stopping serve, store, chat-server, chat-web',
      );
      expect(l.stderr.text()).toMatch(/INFO \(store\): stopped/);
      expect(l.stderr.lines.at(-1)).toBe('plainwire lab: stopped');
    },
    SLOW,
  );

  it(
    'stops on SIGTERM with 143, and the store keeps its data for the next run',
    async () => {
      const data = tempDataDir(dirs);
      const first = await lab('--ports', 'auto', '--data', data);
      await python(URLLIB_SET, storeUrl(first), 'kept', 'across runs');
      expect(await first.stop('SIGTERM')).toBe(143);
      for (const port of Object.values(first.ports)) expect(await accepts(port)).toBe(false);

      const second = await lab('--ports', 'auto', '--data', data);
      expect(await python(URLLIB_GET, storeUrl(second), 'kept')).toBe('across runs');
      expect(await second.stop('SIGINT')).toBe(130);
    },
    SLOW,
  );

  describe('a port in use', () => {
    let holder: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
      holder = undefined;
    });

    it(
      'names the service and the port, and stops what had started before exit 1',
      async () => {
        holder = createServer();
        await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
        const held = (holder.address() as { port: number }).port;
        const data = tempDataDir(dirs);
        const result = await runCli(['lab', '--ports', `0,${held},0`, '--data', data]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
          `plainwire lab: cannot start store: 127.0.0.1:${held} is in use (stop what holds it, or use --ports ... / --ports auto)\n`,
        );
        expect(result.stdout).not.toContain(READY);
        // serve had started first: it must be gone too.
        const serve = /\(serve\): listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stderr);
        expect(serve, result.stderr).not.toBeNull();
        expect(await accepts(Number(serve![1]))).toBe(false);
        expect(result.stderr).toMatch(/\(serve\): stopped/);
        // chat-server never started.
        expect(result.stderr).not.toMatch(/\(chat-server\)/);

        // The store had opened its database before the port failed: it was closed again (its lock let go).
        expect(existsSync(join(data, 'store'))).toBe(true);
        expect(existsSync(join(data, 'store', 'plainwire-store.pid'))).toBe(false);
      },
      SLOW,
    );
  });

  it(
    'refuses a bad --ports with usage (exit 2)',
    async () => {
      for (const [ports, message] of [
        [
          '8000,8001',
          /"8000,8001" has 2 ports: give 3 or 4 ports in the order serve,store,chat-server,chat-web/,
        ],
        ['8000,8001,http', /"http" \(for chat-server\) is not a port number/],
        ['8000,8000,8090', /serve and store cannot both have port 8000/],
      ] as const) {
        const result = await runCli(['lab', '--ports', ports]);
        expect(result.code, ports).toBe(2);
        expect(result.stderr).toMatch(message);
      }
    },
    SLOW,
  );

  it('says in --help what the fourth port is for', async () => {
    const result = await runCli(['lab', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/with three, the web client takes 8080/);
    expect(result.stdout).toContain('8000,8001,8090,8080');
  });
});
