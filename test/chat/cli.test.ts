import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NAME_RULE } from '../../src/text/names.js';
import { isTerminalSafe } from '../../src/text/sanitize.js';
import { type CliServer, runCli, spawnCli, startCliServer } from '../helpers/cli.js';
import { RawClient } from './raw-client.js';

const running: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function chatServer(...args: string[]): Promise<CliServer> {
  const server = await startCliServer(['chat-server', '--port', '0', ...args]);
  running.push(server);
  return server;
}

async function watcher(port: number, name = 'watcher'): Promise<RawClient> {
  const c = await RawClient.join(port, name);
  running.push({ stop: async () => c.destroy() });
  return c;
}

describe('plainwire chat-server', () => {
  it('logs listening, connects, commands and disconnects with the client count', async () => {
    const server = await chatServer();
    const c = await watcher(server.port);
    expect(await c.reply('QUIT')).toBe('OK BYE');
    await server.stderr.waitFor(/"msg":"disconnect"/);
    const log = server.stderr.text();
    expect(log).toMatch(/listening on 127\.0\.0\.1:\d+/);
    expect(log).toMatch(/"clients":1,"msg":"connect"/);
    expect(log).toMatch(/"verb":"REGISTER".*"msg":"command"/);
    expect(log).toMatch(/"reason":"quit","clients":0,"msg":"disconnect"/);
    expect(await server.stop()).toBe(143);
    expect(server.stderr.text()).toMatch(/"msg":"stopped"/);
  });

  it('keeps the logger name in JSON logs: the user is its own field, not a second "name"', async () => {
    const server = await chatServer();
    const c = await watcher(server.port, 'ada');
    expect(await c.reply('QUIT')).toBe('OK BYE');
    await server.stderr.waitFor(/"msg":"disconnect"/);
    const entries = server.stderr
      .text()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    // JSON.parse keeps the last of two equal keys, so a clash shows as name === 'ada'.
    for (const line of entries) expect(JSON.parse(line).name).toBe('chat-server');
    const command = entries
      .map((l) => JSON.parse(l))
      .find((e) => e.msg === 'command' && e.verb === 'REGISTER');
    expect(command.user).toBe('ada');
    expect(entries.map((l) => JSON.parse(l)).find((e) => e.msg === 'disconnect').user).toBe('ada');
  });

  it('says clearly when the port is taken', async () => {
    const server = await chatServer();
    const second = await runCli(['chat-server', '--port', String(server.port)]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: address in use/);
  });
});

describe('help', () => {
  it('explains both commands with an example', async () => {
    for (const command of ['chat', 'chat-server']) {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Example/);
    }
  });
});

describe('plainwire chat through pipes', () => {
  it('runs a script: broadcasts, queries and errors in order, then exits 1 for the refused ones', async () => {
    const server = await chatServer();
    const w = await watcher(server.port);
    const result = await runCli(['chat', `127.0.0.1:${server.port}`, '--name', 'bot'], {
      input:
        'hello there\n/users\n/msg ghost boo\n/join ops\n/g ops deploy done\n/groups\n/nope\n/nick bot2\n',
    });
    expect(result.stderr).toBe('plainwire chat: 2 of 8 commands refused (the lines starting with "!!")\n');
    expect(result.code).toBe(1);
    const out = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(out).toEqual([
      '-- connected to 127.0.0.1:' + server.port + ' as bot; 2 here; type /help for the commands',
      '-- 2 people here: bot watcher',
      '!! no such user: "ghost" (nothing was sent; type /users)',
      '-- you joined ops',
      '-- nobody else heard that',
      '-- 1 group: ops (1)',
      '!! unknown command /nope (type /help)',
      '-- you are now bot2',
    ]);
    expect(await w.next()).toBe('JOINED bot');
    expect(await w.next()).toBe('MESSAGE bot hello there');
    expect(await w.next()).toBe('RENAMED bot bot2');
    expect(await w.next()).toBe('LEFT bot2');
  });

  it('exits 1 when the server refused commands of the script, the last one or any other', async () => {
    const server = await chatServer();
    await watcher(server.port, 'alice');
    const chat = (input: string) => runCli(['chat', `127.0.0.1:${server.port}`, '--name', 'bot'], { input });
    const allRefused = await chat('/msg ghost boo\n/leave nowhere\n/g nowhere hi\n');
    expect(allRefused.code).toBe(1);
    expect(allRefused.stderr).toBe(
      'plainwire chat: 3 of 3 commands refused (the lines starting with "!!")\n',
    );
    expect(allRefused.stdout).toMatch(/!! you are not in "nowhere" \(type \/groups\)/);
    const lastRefused = await chat('hello\n/msg ghost boo\n');
    expect(lastRefused.code).toBe(1);
    const firstRefused = await chat('/msg ghost boo\n/msg alice hi\n');
    expect(firstRefused.code).toBe(1);
    expect(firstRefused.stderr).toMatch(/1 of 2 commands refused/);
    const noneRefused = await chat('hello\n/msg alice hi\n/quit\n');
    expect(noneRefused.stderr).toBe('');
    expect(noneRefused.code).toBe(0);
  });

  it('shows what others say with time and sender, sanitised', async () => {
    const server = await chatServer();
    const w = await watcher(server.port);
    const child = spawnCli(['chat', `127.0.0.1:${server.port}`, '--name', 'reader']);
    running.push(child);
    await child.stdout.waitFor(/connected to/);
    expect(await w.next()).toBe('JOINED reader');
    w.send('MESSAGE hi \u001b[2J\u001b]0;title\u0007reader');
    w.send('PRIVATE reader just you');
    await child.stdout.waitFor(/\[private\] <watcher> just you/);
    expect(child.stdout.text()).toMatch(/^\d\d:\d\d:\d\d <watcher> hi reader$/m);
    child.child.stdin.end('/quit\n');
    expect(await child.exited).toBe(0);
  });

  it('never passes escape sequences from a hostile server to the terminal', async () => {
    const hostile: Server = createServer((socket) => {
      socket.write('HELLO \u001b]52;c;cGF5bG9hZA==\u0007evil\n');
      socket.on('data', (d) => {
        for (const line of d.toString().split('\n').filter(Boolean)) {
          if (line.startsWith('REGISTER')) socket.write('OK REGISTERED x\n');
          else if (line === 'USERS') {
            socket.write('OK USERS 1 x\u001b[31m\n');
            socket.write('MESSAGE \u001b[2Jmallory pwn\u001b[1;1H\u0007ed \u009b6n\n');
            socket.write('JOINED \u001b]0;t\u0007eve\n');
          } else if (line.startsWith('QUIT')) socket.end('OK BYE\n');
          else socket.write('OK\n');
        }
      });
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    running.push({ stop: () => new Promise((r) => hostile.close(r)) });
    const port = (hostile.address() as { port: number }).port;
    const result = await runCli(['chat', `127.0.0.1:${port}`, '--name', 'x'], {
      input: '/users\n',
      timeoutMs: 8000,
    });
    expect(result.stdout).toMatch(/<mallory> pwned/);
    expect(result.stdout).toMatch(/eve joined/);
    expect(isTerminalSafe(result.stdout)).toBe(true);
  });

  it('counts everyone from a server that pages long listings, and pages on with /users <from>', async () => {
    // The listing of docs/PROTOCOL.md: `OK USERS <total> <name>... [+<more>]`, `USERS <after>` for the next page.
    const paging: Server = createServer((socket) => {
      socket.on('error', () => {});
      socket.write('HELLO paging\n');
      socket.on('data', (d) => {
        for (const line of d.toString().split(/\r?\n/).filter(Boolean)) {
          if (line.startsWith('REGISTER')) socket.write('OK REGISTERED x\n');
          else if (line === 'USERS') socket.write('OK USERS 250 ada al +248\n');
          else if (line === 'USERS al') socket.write('OK USERS 250 bo cy +246\n');
          else if (line.startsWith('QUIT')) socket.end('OK BYE\n');
          else socket.write('ERROR UNKNOWN_COMMAND not in this test\n');
        }
      });
    });
    await new Promise<void>((r) => paging.listen(0, '127.0.0.1', r));
    running.push({ stop: () => new Promise((r) => paging.close(r)) });
    const port = (paging.address() as { port: number }).port;
    const result = await runCli(['chat', `127.0.0.1:${port}`, '--name', 'x'], {
      input: '/users\n/users al\n',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.replace(/^\d\d:\d\d:\d\d /gm, '')).toBe(
      [
        `-- connected to 127.0.0.1:${port} as x; 250 here; type /help for the commands`,
        '-- 250 people here: ada al; 248 more: /users al',
        '-- 250 people here: bo cy; 246 more: /users cy',
        '',
      ].join('\n'),
    );
  });

  it('refuses a line longer than the server takes, and stays connected', async () => {
    const server = await chatServer();
    const w = await watcher(server.port);
    const r = await runCli(['chat', `127.0.0.1:${server.port}`, '--name', 'longy'], {
      input: `${'y'.repeat(5000)}\nafter\n`,
    });
    // Refused, so a script hears of it in its exit status; the line after it still goes.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 of 2 commands refused/);
    expect(r.stdout).toMatch(
      /too long to send: 5008 bytes, the server takes lines of at most 4096; nothing was sent/,
    );
    expect(await w.next()).toBe('JOINED longy');
    expect(await w.next()).toBe('MESSAGE longy after');
  });

  it('paces a long script inside the flood limit instead of being cut off', async () => {
    // 100 lines at once would be cut off at 30 waiting; the client keeps at most 20 unanswered.
    const server = await chatServer('--flood-burst', '1', '--flood-rate', '200', '--flood-max-queued', '30');
    const w = await watcher(server.port);
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const result = await runCli(['chat', `127.0.0.1:${server.port}`, '--name', 'poet'], {
      input: `${lines.join('\n')}\n`,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await w.next()).toBe('JOINED poet');
    for (const line of lines) expect(await w.next()).toBe(`MESSAGE poet ${line}`);
  });

  it('exits 1 with a clear message when the name is taken', async () => {
    const server = await chatServer();
    await watcher(server.port, 'ada');
    const result = await runCli(['chat', `127.0.0.1:${server.port}`, '--name', 'ADA'], { input: 'hi\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `plainwire chat: the name "ADA" is taken on 127.0.0.1:${server.port}; choose another with --name\n`,
    );
  });

  it('exits 2 before connecting when --name is not a valid name, saying the shared rule', async () => {
    // Port 1: were the name not checked first, this would be "cannot connect" and exit 1.
    for (const name of ['bad name', '..']) {
      const r = await runCli(['chat', '127.0.0.1:1', '--name', name], { input: 'x\n' });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toContain(`"${name}" is not a valid name: use ${NAME_RULE}`);
      expect(r.stderr).not.toMatch(/cannot connect/);
    }
    const help = await runCli(['chat', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(NAME_RULE);
  });

  it('refuses a port no server can have, or a colon with no port after it, as bad usage (exit 2)', async () => {
    for (const [server, message] of [
      ['127.0.0.1:0', '"0" is not a server port (1-65535).'],
      ['127.0.0.1:99999', '"99999" is not a server port (1-65535).'],
      ['127.0.0.1:', '"127.0.0.1:" has no port after the ":" (e.g. 127.0.0.1:8090).'],
    ]) {
      const r = await runCli(['chat', server!, '--name', 'x'], { input: '' });
      expect(r.code, server).toBe(2);
      expect(r.stderr).toBe(`plainwire chat: ${message}\n`);
    }
  });

  it('exits 1 when the server cannot be reached, 2 without a name on a pipe', async () => {
    const server = await chatServer();
    const port = server.port;
    await server.stop();
    const result = await runCli(['chat', `127.0.0.1:${port}`, '--name', 'x'], { input: 'hi\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^plainwire chat: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    const noName = await runCli(['chat', `127.0.0.1:${port}`], { input: '' });
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name is required/);
  });

  it('exits 1 without a stack trace when the server hangs up during registration', async () => {
    const rude: Server = createServer((socket) => {
      socket.write('HELLO rude\n');
      socket.on('data', () => socket.destroy());
    });
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    running.push({ stop: () => new Promise((r) => rude.close(r)) });
    const port = (rude.address() as { port: number }).port;
    const result = await runCli(['chat', `127.0.0.1:${port}`, '--name', 'x'], { input: 'hi\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^plainwire chat: lost the connection to 127\.0\.0\.1:\d+ \(/);
    expect(result.stderr).not.toMatch(/ at /);
  });

  it('leaves politely on SIGTERM: QUIT, the others hear LEFT, exit 0', async () => {
    const server = await chatServer();
    const w = await watcher(server.port);
    const child = spawnCli(['chat', `127.0.0.1:${server.port}`, '--name', 'termy']);
    running.push(child);
    await child.stdout.waitFor(/connected to/);
    expect(await w.next()).toBe('JOINED termy');
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(await w.next()).toBe('LEFT termy');
    await server.stderr.waitFor(/"user":"termy".*"verb":"QUIT"/);
  });

  it('exits 1 when the server goes away mid-session', async () => {
    const server = await chatServer();
    const child = spawnCli(['chat', `127.0.0.1:${server.port}`, '--name', 'stayer']);
    running.push(child);
    await child.stdout.waitFor(/connected to/);
    await server.stop();
    expect(await child.exited).toBe(1);
    expect(child.stdout.text()).toMatch(/server says goodbye: server stopping/);
    expect(child.stderr.text()).toMatch(
      /plainwire chat: lost the connection to 127\.0\.0\.1:\d+ \(the server closed it\)/,
    );
  });
});
