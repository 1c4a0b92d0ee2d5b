// `plainwire connect` in a real terminal (tmux): lines arriving while the user types, the server hanging up
// and Ctrl-C, as a person at the keyboard meets them.
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const HAS_TMUX = spawnSync('which', ['tmux']).status === 0;
// A private tmux server (its own socket), so the test never touches a tmux the developer is using.
const SOCKET = `plainwire-connect-test-${process.pid}`;
const CLI = fileURLToPath(new URL('../../dist/src/cli/plainwire.cjs', import.meta.url));

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

async function waitForPane(session: string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let pane = '';
  while (Date.now() < deadline) {
    pane = tmux('capture-pane', '-p', '-t', session);
    if (pattern.test(pane)) return pane;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pane never matched ${pattern}; it shows:\n${pane}`);
}

/** A server the test drives by hand: it hands over the first connection and collects the lines it reads. */
async function startServer(): Promise<{
  server: Server;
  port: number;
  conn: Promise<Socket>;
  got: string[];
}> {
  const got: string[] = [];
  let resolveConn: (s: Socket) => void = () => {};
  const conn = new Promise<Socket>((r) => {
    resolveConn = r;
  });
  const server = createServer((socket) => {
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      got.push(...lines.map((l) => l.replace(/\r$/, '')));
    });
    socket.on('error', () => {});
    resolveConn(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, conn, got };
}

let session = 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function startConnect(port: number, columns = 100): string {
  const name = `connect-${++session}`;
  const command = `${process.execPath} ${CLI} connect 127.0.0.1 ${port}; echo EXIT=$?; sleep 30`;
  tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', '30', command);
  cleanups.push(() => {
    try {
      tmux('kill-session', '-t', name);
    } catch {
      // already gone
    }
  });
  return name;
}

describe.skipIf(!HAS_TMUX)('plainwire connect in a terminal', () => {
  it('prints server lines above a half-typed line, and the hang-up message on a line of its own', async () => {
    const { server, port, conn, got } = await startServer();
    cleanups.push(() => server.close());
    const pane = startConnect(port);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    const socket = await conn;
    tmux('send-keys', '-t', pane, '-l', 'first line');
    tmux('send-keys', '-t', pane, 'Enter');
    tmux('send-keys', '-t', pane, '-l', 'half typ');
    await waitForPane(pane, /half typ/);
    socket.write('news from the server\n');
    await waitForPane(pane, /^news from the server$/m);
    await waitForPane(pane, /^half typ$/m);
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['first line']);

    socket.end();
    const after = await waitForPane(pane, /EXIT=/);
    expect(after).toMatch(/^half typ$/m);
    expect(after).toMatch(/^plainwire connect: connection closed by the server$/m);
    expect(after).toMatch(/^EXIT=0$/m);
  });

  it('sends the empty line typed to end an HTTP request, and shows the whole response', async () => {
    const http = createHttpServer((req, res) => res.end(`typed by hand: ${req.method} ${req.url}\n`));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => http.close());
    const pane = startConnect((http.address() as { port: number }).port);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    tmux('send-keys', '-t', pane, '-l', 'GET /by-hand HTTP/1.0');
    tmux('send-keys', '-t', pane, 'Enter');
    tmux('send-keys', '-t', pane, 'Enter');
    const after = await waitForPane(pane, /EXIT=/);
    expect(after).toMatch(/^HTTP\/1\.1 200 OK$/m);
    expect(after).toMatch(/^Connection: close\n\ntyped by hand: GET \/by-hand$/m);
    expect(after).toMatch(/^EXIT=0$/m);
  });

  it('keeps a half-typed line that wraps over several rows whole while server lines arrive', async () => {
    const { server, port, conn } = await startServer();
    cleanups.push(() => server.close());
    const pane = startConnect(port, 40);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    const socket = await conn;
    // 57 columns: two rows of a 40-column terminal.
    const typed = '中文 long line long line long line long line long line end';
    tmux('send-keys', '-t', pane, '-l', typed);
    await waitForPane(pane, /line end/);
    socket.write('news while you type\n');
    const shown = await waitForPane(pane, /^news while you type$/m);
    const rows = shown.split('\n');
    const news = rows.indexOf('news while you type');
    // Above the news, no trace of the typed line; below it, the whole line again.
    expect(rows.slice(0, news).join('\n')).not.toMatch(/long line|中文/);
    expect(
      rows
        .slice(news + 1)
        .join('')
        .replaceAll(' ', ''),
    ).toContain(typed.replaceAll(' ', ''));
  });

  it('shows a prompt the server leaves open ("Name: ") as telnet does, and what you type after it', async () => {
    const { server, port, conn, got } = await startServer();
    cleanups.push(() => server.close());
    const pane = startConnect(port);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    const socket = await conn;
    socket.write('Welcome\nName: ');
    await waitForPane(pane, /^Name:$/m);
    tmux('send-keys', '-t', pane, '-l', 'bob');
    await waitForPane(pane, /^Name: bob$/m);
    tmux('send-keys', '-t', pane, 'Enter');
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['bob']);
    socket.write('Hello bob\n');
    const after = await waitForPane(pane, /^Hello bob$/m);
    expect(after).toMatch(/^Welcome\nName: bob\nHello bob$/m);
    // A server that hangs up after an open line: shown once, as the last line.
    socket.end('bye> ');
    const end = await waitForPane(pane, /EXIT=/);
    expect(end).toMatch(/^Hello bob\nbye>\nplainwire connect: connection closed by the server\nEXIT=0$/m);
  });

  it('says goodbye on a line of its own when the server drops the connection at an open prompt', async () => {
    const { server, port, conn } = await startServer();
    cleanups.push(() => server.close());
    const pane = startConnect(port);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    const socket = await conn;
    socket.write('Password: ');
    await waitForPane(pane, /^Password:$/m);
    socket.resetAndDestroy();
    const after = await waitForPane(pane, /EXIT=/);
    expect(after).toMatch(/^Password:\nplainwire connect: connection reset by the server\nEXIT=1$/m);
  });

  it('Ctrl-C with a half-typed line quits, giving the shell a fresh line', async () => {
    const { server, port, conn } = await startServer();
    cleanups.push(() => server.close());
    const pane = startConnect(port);
    await waitForPane(pane, /connected to 127\.0\.0\.1/);
    await conn;
    tmux('send-keys', '-t', pane, '-l', 'never sent');
    await waitForPane(pane, /never sent/);
    tmux('send-keys', '-t', pane, 'C-c');
    const after = await waitForPane(pane, /EXIT=/);
    expect(after).toMatch(/^never sent$/m);
    expect(after).toMatch(/^EXIT=0$/m);
  });
});
