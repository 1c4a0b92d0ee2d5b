// The web side without a browser: the LineServer seam (acceptStream), the WebSocket adapter's rules (one line per
// text message, limits, slow readers, origins) and the HTTP headers, against real servers on port 0.
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChatServer, type ChatServerOptions } from '../../src/chat/server.js';
import { ChatWebServer, type ChatWebServerOptions } from '../../src/chat/web/server.js';
import { EchoServer } from '../../src/line/echo-server.js';
import type { PeerStream } from '../../src/line/server.js';
import { eventually } from '../line/raw-client.js';
import { RawClient } from './raw-client.js';
import { buildWebClient, WsLines } from './web-lines.js';

let assetsDir: string;
const stops: Array<() => Promise<void>> = [];
const sockets: Array<{ close(): void }> = [];

beforeAll(() => {
  assetsDir = buildWebClient();
});

afterAll(() => rmSync(assetsDir, { recursive: true, force: true }));

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function startChat(
  options: ChatServerOptions = {},
  webOptions: ChatWebServerOptions = {},
): Promise<{ chat: ChatServer; tcpPort: number; webPort: number }> {
  const chat = new ChatServer(options);
  const { port: tcpPort } = await chat.start({ port: 0 });
  const web = new ChatWebServer(chat, { maxLineBytes: options.maxLineBytes, assetsDir, ...webOptions });
  const { port: webPort } = await web.start({ port: 0 });
  stops.push(async () => {
    await chat.stop();
    await web.stop();
  });
  return { chat, tcpPort, webPort };
}

async function open(port: number, options: { origin?: string | null; name?: string } = {}): Promise<WsLines> {
  const client = await WsLines.open(port, options);
  sockets.push(client);
  return client;
}

async function tcp(port: number, name: string): Promise<RawClient> {
  const client = await RawClient.join(port, name);
  sockets.push({ close: () => client.destroy() });
  return client;
}

/** Opens a handshake and returns the HTTP status it was refused with (or 101). */
function handshakeStatus(port: number, headers: Record<string, string>, path = '/ws'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', (err) => {
      if (!String(err).includes('Unexpected server response')) reject(err);
    });
  });
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

/** Two Duplexes joined back to back, as a socket pair: what one writes the other reads. */
function streamPair(): { server: PeerStream; client: Duplex } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const make = (input: PassThrough, output: PassThrough) =>
    new Duplex({
      read() {
        input.once('readable', () => {
          let chunk: Buffer | null = input.read();
          while (chunk !== null) {
            this.push(chunk);
            chunk = input.read();
          }
        });
      },
      write(chunk, _enc, cb) {
        output.write(chunk, cb);
      },
      final(cb) {
        output.end();
        cb();
      },
    });
  const server = Object.assign(make(toServer, toClient), {
    remoteAddress: 'stream',
    remotePort: 0,
    bytesRead: 0,
  });
  toServer.on('end', () => server.push(null));
  const client = make(toClient, toServer);
  toClient.on('end', () => client.push(null));
  return { server, client };
}

describe('LineServer.acceptStream', () => {
  it('serves a Duplex as it serves a socket: lines in, replies out, the hooks and the close', async () => {
    const echo = new EchoServer();
    stops.push(() => echo.stop());
    const { server, client } = streamPair();
    const received: string[] = [];
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => received.push(...chunk.split('\n').filter((l) => l !== '')));
    echo.acceptStream(server);
    expect(echo.connections.size).toBe(1);
    client.write('hello\nthere\n');
    await eventually(() => received.length === 2, 'two echoes');
    expect(received).toEqual(['HELLO', 'THERE']);
    client.end();
    await eventually(() => echo.connections.size === 0, 'the stream to be forgotten');
  });
});

describe('the web side of the chat', () => {
  it('serves the page with a CSP without inline script, nosniff, and the bundle', async () => {
    const { webPort } = await startChat();
    const page = await get(webPort, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script type="module" src="/app.js">');
    expect(page.body).toContain('content="4096"');
    expect(page.body).not.toMatch(/<script>/);
    const script = await get(webPort, '/app.js', { 'Accept-Encoding': 'gzip' });
    expect(script.status).toBe(200);
    expect(script.headers['content-encoding']).toBe('gzip');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(webPort, '/app.css')).status).toBe(200);
    expect((await get(webPort, '/etc/passwd')).status).toBe(404);
  });

  it('puts web and TCP users in one room, one name space, one set of groups', async () => {
    const { tcpPort, webPort } = await startChat();
    const web = await open(webPort, { name: 'web' });
    const cli = await tcp(tcpPort, 'cli');
    await web.waitFor('JOINED cli');
    expect(await cli.reply('REGISTER WEB')).toBe('ERROR NAME_TAKEN WEB is taken; choose another name');
    expect(await web.reply('MESSAGE hello from the browser')).toBe('OK SENT 1');
    expect(await cli.next()).toBe('MESSAGE web hello from the browser');
    expect(await cli.reply('PRIVATE web psst')).toBe('OK SENT 1');
    expect(await web.next()).toBe('PRIVATE cli psst');
    expect(await cli.reply('JOIN devs')).toBe('OK JOINED devs');
    expect(await web.reply('JOIN DEVS')).toBe('OK JOINED devs');
    expect(await cli.next()).toBe('JOINED web devs');
    expect(await web.reply('GROUP devs ship it')).toBe('OK SENT 1');
    expect(await cli.next()).toBe('GROUP devs web ship it');
    expect(await cli.reply('GROUP devs and back')).toBe('OK SENT 1');
    expect(await web.next()).toBe('GROUP devs cli and back');
    expect(await web.reply('USERS')).toBe('OK USERS 2 cli web');
  });

  it('refuses a message holding a line break, with the protocol error and close code 1008', async () => {
    const { tcpPort, webPort } = await startChat();
    const cli = await tcp(tcpPort, 'cli');
    const web = await open(webPort, { name: 'web' });
    await cli.next();
    web.send('MESSAGE one\nMESSAGE two');
    expect(await web.next()).toBe(
      'ERROR BAD_MESSAGE a message is one line: it must not contain a line break',
    );
    expect(await web.closed).toBe(1008);
    expect(await cli.next()).toBe('LEFT web');
    expect(cli.unread()).toEqual([]);
  });

  it('refuses a binary message with close code 1003', async () => {
    const { webPort } = await startChat();
    const web = await open(webPort);
    web.send(Buffer.from('USERS'));
    expect(await web.next()).toMatch(/^ERROR BAD_MESSAGE binary messages are not lines/);
    expect(await web.closed).toBe(1003);
  });

  it('holds the line limit: a message of the limit is served, a longer one is refused (1009)', async () => {
    const { webPort } = await startChat({ maxLineBytes: 64 });
    const web = await open(webPort, { name: 'web' });
    const fits = `MESSAGE ${'x'.repeat(64 - 'MESSAGE '.length)}`;
    expect(Buffer.byteLength(fits)).toBe(64);
    expect(await web.reply(fits)).toBe('OK SENT 0');
    web.send(`${fits}x`);
    expect(await web.closed).toBe(1009);
  });

  it('refuses a WebSocket from another origin (403) and takes its own, listed ones and non-browsers', async () => {
    const { webPort } = await startChat({}, { allowedOrigins: ['http://chat.example:8080'] });
    expect(await handshakeStatus(webPort, { Origin: 'http://evil.example' })).toBe(403);
    expect(await handshakeStatus(webPort, { Origin: `http://127.0.0.1:${webPort + 1}` })).toBe(403);
    // A DNS-rebinding name: its page's origin matches its Host header, and it is still not this server's page.
    expect(
      await handshakeStatus(webPort, {
        Origin: `http://rebind.example:${webPort}`,
        Host: `rebind.example:${webPort}`,
      }),
    ).toBe(403);
    expect(await handshakeStatus(webPort, { Origin: `http://127.0.0.1:${webPort}` })).toBe(101);
    expect(
      await handshakeStatus(webPort, { Origin: `http://localhost:${webPort}`, Host: `localhost:${webPort}` }),
    ).toBe(101);
    expect(await handshakeStatus(webPort, { Origin: 'http://chat.example:8080' })).toBe(101);
    expect(await handshakeStatus(webPort, {})).toBe(101);
    expect(await handshakeStatus(webPort, { Origin: `http://127.0.0.1:${webPort}` }, '/other')).toBe(404);
  });

  it('drops a web user who stops reading, as a TCP one, and the others go on', async () => {
    const { chat, tcpPort, webPort } = await startChat({
      maxOutputBytes: 64 * 1024,
      flood: { burst: 100_000, ratePerSecond: 100_000, maxQueued: 100_000 },
    });
    const sleeper = await open(webPort, { name: 'sleeper' });
    const talker = await tcp(tcpPort, 'talker');
    await sleeper.waitFor('JOINED talker');
    // The sleeper's socket stops reading: its replies pile up in the kernel, then in the server.
    sleeper.ws.pause();
    const text = 'y'.repeat(1000);
    let sent = 0;
    while (!talker.lines.includes('LEFT sleeper') && sent < 5000) {
      talker.send(`MESSAGE ${text}`);
      sent++;
      if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await eventually(() => talker.lines.includes('LEFT sleeper'), 'the sleeper to be dropped', 10_000);
    expect(chat.clientCount).toBe(1);
    const witness = await tcp(tcpPort, 'witness');
    expect(await witness.reply('USERS')).toBe('OK USERS 2 talker witness');
  });
});
