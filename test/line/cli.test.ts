// The line framework's commands, run as a user would: the built `plainwire` executable in child processes.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EGO_SENTENCE, LineServer, type Connection } from '../../src/line/index.js';
import { type CliServer, runCli, spawnCli, startCliServer } from '../helpers/cli.js';
import { RawClient } from './raw-client.js';
import { freePort } from '../helpers/ports.js';

const running: CliServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(args: string[]): Promise<CliServer> {
  const server = await startCliServer([...args, '--port', '0']);
  running.push(server);
  return server;
}

describe('plainwire echo-server', () => {
  it('answers each piped line upper-cased, through plainwire connect', async () => {
    const server = await start(['echo-server']);
    expect(server.host).toBe('127.0.0.1');
    const result = await runCli(['connect', server.host, String(server.port)], {
      input: 'hello\r\nwörld\n\n\u001b[31mred\u001b[0m\nno final newline',
    });
    expect(result.stdout).toBe('HELLO\nWÖRLD\nRED\nNO FINAL NEWLINE\n');
    expect(result.code).toBe(0);
  });

  it("copes with telnet's Ctrl-C: refuses the timing mark and goes on echoing", async () => {
    const server = await start(['echo-server']);
    const socket = connect({ port: server.port, host: server.host });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // What telnet sends for "ab", Ctrl-C, Enter, "cd", Enter.
    socket.write(Buffer.from([0x61, 0x62, 0xff, 0xf4, 0xff, 0xfd, 0x06, 0x0d, 0x0a, 0x63, 0x64, 0x0d, 0x0a]));
    const deadline = Date.now() + 5000;
    while (!Buffer.concat(received).includes('CD\n') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    const all = Buffer.concat(received);
    expect(all.includes(Buffer.from([0xff, 0xfc, 0x06]))).toBe(true);
    expect(all.toString('latin1').replace(/\xff\xfc\x06/, '')).toBe('AB\nCD\n');
  });

  it('says goodbye to its clients and exits 143 on SIGTERM', async () => {
    const server = await start(['echo-server']);
    const c = new RawClient(server.port, server.host);
    await c.connected();
    c.write('ping\n');
    await c.waitForLine('PING');
    expect(await server.stop('SIGTERM')).toBe(143);
    await c.waitForClose();
    expect(c.lines).toEqual(['PING', 'BYE server stopping']);
    await server.stderr.waitFor('stopped');
  });

  it('explains a port already in use and exits 1', async () => {
    const server = await start(['echo-server']);
    const result = await runCli(['echo-server', '--port', String(server.port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `plainwire echo-server: cannot listen on 127.0.0.1:${server.port}: address in use`,
    );
  });

  it('has --help with an example', async () => {
    const result = await runCli(['echo-server', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Example');
    expect(result.stdout).toContain('--port');
  });
});

describe('plainwire ego-server', () => {
  it('answers any line with its sentence, then hangs up', async () => {
    const server = await start(['ego-server']);
    const result = await runCli(['connect', server.host, String(server.port)], {
      input: 'hi there\nanyone?\n',
    });
    expect(result.stdout).toBe(`${EGO_SENTENCE}\n`);
    expect(result.code).toBe(0);
    const c = new RawClient(server.port, server.host);
    await c.connected();
    c.write('me me me\n');
    await c.waitForClose();
    expect(c.lines).toEqual([EGO_SENTENCE]);
  });
});

describe('plainwire connect', () => {
  it('exits 1 with a clear message when nothing listens', async () => {
    const port = await freePort();
    const result = await runCli(['connect', '127.0.0.1', String(port)], { input: 'hello\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `plainwire connect: cannot connect to 127.0.0.1:${port}: connection refused (is the server running?)\n`,
    );
    expect(result.stdout).toBe('');
  });

  it('accepts HOST:PORT in one word, and asks for a port when there is none', async () => {
    const server = await start(['echo-server']);
    const joined = await runCli(['connect', `127.0.0.1:${server.port}`], { input: 'one word\n' });
    expect(joined.stdout).toBe('ONE WORD\n');
    expect(joined.code).toBe(0);
    const portless = await runCli(['connect', '127.0.0.1']);
    expect(portless.code).toBe(2);
    expect(portless.stderr).toContain('which port?');
  });

  // Reported as skipped, not passed, where there is no IPv6 loopback.
  it('takes an IPv6 address with or without brackets, port apart or joined', async (context) => {
    const server = createServer((socket) => socket.end('hello over IPv6\n'));
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) context.skip('no IPv6 loopback on this machine');
    try {
      const { port } = server.address() as { port: number };
      for (const args of [['[::1]', String(port)], ['::1', String(port)], [`[::1]:${port}`]]) {
        const result = await runCli(['connect', ...args], { input: '' });
        expect(result.stdout, args.join(' ')).toBe('hello over IPv6\n');
        expect(result.code, result.stderr).toBe(0);
      }
    } finally {
      server.close();
    }
  });

  it('rejects a bad port as bad usage (exit 2)', async () => {
    for (const args of [['127.0.0.1', 'eighty'], ['127.0.0.1', '0'], ['127.0.0.1:0'], ['127.0.0.1:99999']]) {
      const result = await runCli(['connect', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      // "0 picks a free one" is for servers; a client has to name the server's port.
      expect(result.stderr, args.join(' ')).toMatch(/is not a server port \(1-65535\)/);
    }
  });

  it('sends empty lines, so an HTTP/1.0 request piped to a node:http server gets its 200', async () => {
    const http = createHttpServer((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`you asked for ${req.url}\n\nsecond paragraph\n`);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const { port } = http.address() as { port: number };
      // As a script would type it (CRLF), and as a shell's printf most often does (LF): both are one request.
      for (const input of ['GET /hello HTTP/1.0\r\n\r\n', 'GET /hello HTTP/1.0\n\n']) {
        const result = await runCli(['connect', '127.0.0.1', String(port)], { input });
        expect(result.code, result.stderr).toBe(0);
        const lines = result.stdout.split('\n');
        expect(lines[0]).toBe('HTTP/1.1 200 OK');
        // The blank line between head and body is shown, and so is the one inside the body.
        expect(result.stdout).toMatch(/\nConnection: close\n\nyou asked for \/hello\n\nsecond paragraph\n$/);
      }
    } finally {
      await new Promise((r) => http.close(r));
    }
  });

  it('fetches a page from plainwire serve with a piped HTTP/1.0 request', async () => {
    const serve = await start(['serve', 'examples/site']);
    const result = await runCli(['connect', serve.host, String(serve.port)], {
      input: 'GET /page1.html HTTP/1.0\r\n\r\n',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^HTTP\/1\.[01] 200 OK\n/);
    const page = readFileSync('examples/site/page1.html', 'utf8');
    expect(result.stdout).toContain(`\n\n${page.split('\n')[0]}\n`);
  });

  it('ends the lines it sends with CRLF as telnet does, or with LF under --lf', async () => {
    const received: Buffer[] = [];
    const recorder = createServer({ allowHalfOpen: true }, (s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => {
        received.push(Buffer.concat(got));
        s.end();
      });
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    try {
      const { port } = recorder.address() as { port: number };
      const input = 'HELO me\n\nlast\r\n';
      expect((await runCli(['connect', '127.0.0.1', String(port)], { input })).code).toBe(0);
      expect((await runCli(['connect', '127.0.0.1', String(port), '--lf'], { input })).code).toBe(0);
      expect(received.map((b) => b.toString())).toEqual(['HELO me\r\n\r\nlast\r\n', 'HELO me\n\nlast\n']);
      const help = await runCli(['connect', '--help']);
      expect(help.stdout).toContain('--lf');
      expect(help.stdout).toMatch(/empty one too, ended by "\\r\\n" as telnet does/);
    } finally {
      await new Promise((r) => recorder.close(r));
    }
  });

  it('sanitises what the server sends before printing it', async () => {
    class Hostile extends LineServer {
      protected override onConnect(conn: Connection): void {
        conn.send('\u001b]0;pwned\u0007title \u001b[2Jclear \u0007bell\tend');
        conn.close();
      }
    }
    const hostile = new Hostile();
    const { port } = await hostile.start();
    try {
      const result = await runCli(['connect', '127.0.0.1', String(port)]);
      expect(result.stdout).toBe('title clear bell end\n');
      expect(result.code).toBe(0);
    } finally {
      await hostile.stop();
    }
  });

  it('after the input ends, waits at most --wait for a server that never closes', async () => {
    const sockets: Socket[] = [];
    const silent = createServer({ allowHalfOpen: true }, (s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.write('hello from a server that never hangs up\n');
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as { port: number };
      const result = await runCli(['connect', '127.0.0.1', String(port), '--wait', '0.3'], {
        input: 'anything\n',
        timeoutMs: 10_000,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('hello from a server that never hangs up\n');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('exits 1 when the server resets the connection', async () => {
    const resetter = createServer((s) => {
      s.on('error', () => {});
      s.write('about to vanish\n', () => setTimeout(() => s.resetAndDestroy(), 50));
    });
    await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r));
    try {
      const { port } = resetter.address() as { port: number };
      // Input that never ends: the reset, not the end of input, finishes the session.
      const proc = spawnCli(['connect', '127.0.0.1', String(port)]);
      const code = await proc.exited;
      expect(code).toBe(1);
      expect(proc.stdout.lines).toEqual(['about to vanish']);
      expect(proc.stderr.text()).toContain('plainwire connect: connection reset by the server');
    } finally {
      await new Promise((r) => resetter.close(r));
    }
  });
});
