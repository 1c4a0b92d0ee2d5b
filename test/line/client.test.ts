// LineClient against real servers: delivery at any time, ordering, close reasons, connect failures.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Connection,
  LineClient,
  LineConnectError,
  LineError,
  LineServer,
} from '../../src/line/index.js';
import { eventually } from './raw-client.js';
import { freePort } from '../helpers/ports.js';

class TestServer extends LineServer {
  readonly received: string[] = [];
  readonly reasons: string[] = [];
  protected override onMessage(conn: Connection, line: string): void {
    this.received.push(line);
    if (line === 'quit') {
      conn.send('bye');
      conn.close();
    } else if (line === 'long') conn.send('x'.repeat(200));
    else if (line === 'later') setTimeout(() => conn.send('unprompted'), 20);
    else conn.send(`echo ${line}`);
  }
  protected override onDisconnect(_conn: Connection, reason: string): void {
    this.reasons.push(reason);
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(clientOptions?: { maxLineBytes?: number }) {
  const server = new TestServer();
  const { host, port } = await server.start();
  cleanups.push(() => server.stop());
  const client = new LineClient(clientOptions);
  cleanups.push(() => client.close());
  const lines: string[] = [];
  const closed: string[] = [];
  client.onMessage = (line) => lines.push(line);
  client.onClose = (reason) => closed.push(reason);
  await client.connect(host, port);
  return { server, client, lines, closed, port };
}

describe('LineClient', () => {
  it('sends lines and delivers replies in order through onMessage and the line event', async () => {
    const { client, lines } = await setup();
    const viaEvent: string[] = [];
    client.on('line', (l: string) => viaEvent.push(l));
    expect(client.connected).toBe(true);
    for (let i = 0; i < 500; i++) expect(client.send(`n${i}`)).toBe(true);
    await eventually(() => lines.length === 500, '500 replies');
    expect(lines[0]).toBe('echo n0');
    expect(lines[499]).toBe('echo n499');
    expect(viaEvent).toEqual(lines);
  });

  it('delivers lines the server sends on its own, at any time', async () => {
    const { client, lines } = await setup();
    client.send('later');
    await eventually(() => lines.includes('unprompted'), 'the unprompted line');
    expect(lines).toEqual(['unprompted']);
  });

  it('rejects a line with a newline, and returns false when not connected', async () => {
    const { client } = await setup();
    expect(() => client.send('a\nb')).toThrow(LineError);
    try {
      client.send('a\rb');
    } catch (err) {
      expect((err as LineError).code).toBe('LINE_HAS_NEWLINE');
    }
    expect(new LineClient().send('hello')).toBe(false);
  });

  it('close() ends the connection: onClose gets client-closed and the server sees client-closed', async () => {
    const { server, client, closed } = await setup();
    client.send('last');
    client.close();
    expect(client.connected).toBe(false);
    expect(client.send('too late')).toBe(false);
    await eventually(() => closed.length === 1, 'onClose');
    expect(closed).toEqual(['client-closed']);
    await eventually(() => server.reasons.length === 1, 'the server to notice');
    expect(server.received).toEqual(['last']);
    expect(server.reasons).toEqual(['client-closed']);
  });

  it('reports server-closed when the server hangs up, after delivering its last line', async () => {
    const { client, lines, closed } = await setup();
    client.send('quit');
    await eventually(() => closed.length === 1, 'onClose');
    expect(lines).toEqual(['bye']);
    expect(closed).toEqual(['server-closed']);
    expect(client.connected).toBe(false);
  });

  it('end() half-closes: the replies to everything sent still arrive', async () => {
    const { client, lines, closed } = await setup();
    client.send('one');
    client.send('two');
    client.end();
    expect(client.send('three')).toBe(false);
    await eventually(() => closed.length === 1, 'onClose');
    expect(lines).toEqual(['echo one', 'echo two']);
    expect(closed).toEqual(['server-closed']);
  });

  it('drops a connection whose server sends a line over the limit', async () => {
    const { client, lines, closed } = await setup({ maxLineBytes: 100 });
    client.send('short');
    client.send('long');
    await eventually(() => closed.length === 1, 'onClose');
    expect(lines).toEqual(['echo short']);
    expect(closed).toEqual(['line-too-long']);
  });

  it('reports reset when the server resets the connection', async () => {
    let serverSide: Socket | undefined;
    const raw: Server = createServer((s) => {
      serverSide = s;
      s.write('hello\n');
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => raw.close(r)));
    const client = new LineClient();
    const lines: string[] = [];
    const closed: string[] = [];
    client.onMessage = (l) => lines.push(l);
    client.onClose = (r) => closed.push(r);
    await client.connect('127.0.0.1', (raw.address() as { port: number }).port);
    await eventually(() => lines.length === 1, 'hello');
    serverSide!.resetAndDestroy();
    await eventually(() => closed.length === 1, 'onClose');
    expect(closed).toEqual(['reset']);
  });

  it('rejects a refused connect with a LineConnectError that says what to do', async () => {
    const port = await freePort();
    const client = new LineClient();
    const err = await client.connect('127.0.0.1', port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineConnectError);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', errno: 'ECONNREFUSED', port });
    expect((err as Error).message).toBe(
      `cannot connect to 127.0.0.1:${port}: connection refused (is the server running?)`,
    );
    expect(client.connected).toBe(false);
    // The same client may try again once something listens.
    const server = new TestServer();
    const { port: livePort } = await server.start();
    cleanups.push(() => server.stop());
    await client.connect('127.0.0.1', livePort);
    cleanups.push(() => client.close());
    expect(client.connected).toBe(true);
  });

  it('refuses to connect twice', async () => {
    const { client, port } = await setup();
    await expect(client.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ALREADY_CONNECTED' });
  });
});
