// `plainwire chat-server --web`: the real built executable serves the page and its WebSocket beside the TCP port.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliServer, runCli, startCliServer } from '../helpers/cli.js';
import { RawClient } from './raw-client.js';
import { WsLines } from './web-lines.js';

const running: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

async function withWeb(...args: string[]): Promise<{ server: CliServer; webPort: number }> {
  const server = await startCliServer(['chat-server', '--port', '0', ...args]);
  running.push(server);
  const line = await server.stderr.waitFor(/web client on http:\/\//, 15_000);
  const m = /web client on http:\/\/[^\s]+:(\d+)\//.exec(line);
  if (!m) throw new Error(`no web port in: ${line}`);
  return { server, webPort: Number(m[1]) };
}

describe('plainwire chat-server --web', () => {
  it('serves the page and lets a web user into the room of the TCP users', async () => {
    const { server, webPort } = await withWeb('--web', '0');
    const res = await fetch(`http://127.0.0.1:${webPort}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<title>plainwire chat</title>');
    const tcp = await RawClient.join(server.port, 'tcp');
    running.push({ stop: async () => tcp.destroy() });
    const web = await WsLines.open(webPort, { name: 'web' });
    running.push({ stop: async () => web.close() });
    expect(await tcp.next()).toBe('JOINED web');
    expect(await web.reply('MESSAGE hi')).toBe('OK SENT 1');
    expect(await tcp.next()).toBe('MESSAGE web hi');
  });

  it('lets the pages of a listed origin in (--web-origin), and no others', async () => {
    const { webPort } = await withWeb('--web', '0', '--web-origin', 'http://chat.example:8080/');
    const listed = await WsLines.open(webPort, { origin: 'http://chat.example:8080' });
    running.push({ stop: async () => listed.close() });
    await expect(WsLines.open(webPort, { origin: 'http://other.example' })).rejects.toThrow(/403/);
  });

  it('says which port is taken, and stops, when the web port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    running.push({ stop: () => new Promise((resolve) => blocker.close(resolve)) });
    const port = (blocker.address() as { port: number }).port;
    const result = await runCli(['chat-server', '--port', '0', '--web', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: address in use`);
    expect(result.stderr).toContain('use --web PORT');
  });

  it('refuses an --web-origin that is not an origin, as bad usage', async () => {
    const result = await runCli(['chat-server', '--port', '0', '--web', '0', '--web-origin', 'chat.example']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"chat.example" is not an origin (write it as http://host:port)');
  });

  it('documents --web in --help', async () => {
    const result = await runCli(['chat-server', '--help']);
    expect(result.stdout).toContain('--web [port]');
    expect(result.stdout).toContain('--web-origin');
  });
});
