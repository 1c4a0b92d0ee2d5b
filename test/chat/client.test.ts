import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, ChatClientError, ChatReplyError, parseListing } from '../../src/chat/client.js';
import type { ChatEvent } from '../../src/chat/protocol.js';
import { ChatServer } from '../../src/chat/server.js';
import { LineConnectError } from '../../src/line/index.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(): Promise<{ server: ChatServer; port: number }> {
  const server = new ChatServer();
  const { port } = await server.start({ port: 0 });
  cleanup.push(() => server.stop());
  return { server, port };
}

async function client(port: number, name?: string): Promise<{ c: ChatClient; events: ChatEvent[] }> {
  const c = new ChatClient();
  const events: ChatEvent[] = [];
  c.onEvent = (e) => events.push(e);
  await c.connect('127.0.0.1', port);
  cleanup.push(() => c.close());
  if (name) await c.register(name);
  return { c, events };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('ChatClient', () => {
  it('pairs replies with commands and delivers events as values', async () => {
    const { port } = await setup();
    const { c: ada, events } = await client(port, 'ada');
    expect(ada.greeting).toMatch(/^HELLO /);
    expect(ada.name).toBe('ada');
    const { c: bob } = await client(port, 'bob');
    const [sent, users, pong] = await Promise.all([bob.message('hi'), bob.users(), bob.ping('t')]);
    expect(sent.text).toBe('SENT 1');
    expect(users).toEqual(['ada', 'bob']);
    expect(pong.text).toBe('PONG t');
    await bob.join('devs');
    await ada.join('devs');
    await ada.sendToGroup('devs', 'standup');
    expect(await bob.groups()).toEqual([{ group: 'devs', members: 2 }]);
    await bob.sendPrivate(['ada'], 'psst');
    await until(() => events.length >= 3);
    expect(events).toEqual([
      { type: 'JOINED', name: 'bob' },
      { type: 'MESSAGE', from: 'bob', text: 'hi' },
      { type: 'PRIVATE', from: 'bob', text: 'psst' },
    ]);
    await bob.quit();
    await until(() => events.length === 4);
    expect(events[3]).toEqual({ type: 'LEFT', name: 'bob' });
  });

  it('rejects ERROR replies with their code, and commands after the close', async () => {
    const { port } = await setup();
    const { c: ada } = await client(port, 'ada');
    const { c: other } = await client(port);
    const taken = await other.register('ADA').catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ChatReplyError);
    expect((taken as ChatReplyError).code).toBe('NAME_TAKEN');
    await expect(ada.sendPrivate(['nobody'], 'x')).rejects.toMatchObject({ code: 'NO_SUCH_USER' });
    expect((await ada.command('DANCE')).code).toBe('UNKNOWN_COMMAND');
    await ada.quit();
    await expect(ada.message('late')).rejects.toBeInstanceOf(ChatClientError);
  });

  it('rejects outstanding commands when the server stops, and says why a connect failed', async () => {
    const { server, port } = await setup();
    const { c } = await client(port, 'ada');
    let closed = '';
    c.onClose = (reason) => {
      closed = reason;
    };
    await server.stop();
    await until(() => closed !== '');
    await expect(c.users()).rejects.toBeInstanceOf(ChatClientError);
    const silent = createServer((socket) => socket.end());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => silent.close(r)));
    const hungUp = await new ChatClient()
      .connect('127.0.0.1', (silent.address() as AddressInfo).port)
      .catch((e: unknown) => e);
    expect(hungUp).toMatchObject({ code: 'NO_GREETING' });
    const failed = await new ChatClient().connect('127.0.0.1', port).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LineConnectError);
    expect((failed as Error).message).toMatch(/connection refused/);
  });

  it('fails at once, saying what it heard, when the server greets with something other than HELLO', async () => {
    const greetings = ['220 mail.example ESMTP ready', 'ERROR SERVER_FULL try again later'];
    for (const greeting of greetings) {
      const other = createServer((socket) => {
        socket.on('error', () => {});
        socket.write(`${greeting}\r\n`);
      });
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
      cleanup.push(() => new Promise((r) => other.close(r)));
      const c = new ChatClient();
      cleanup.push(() => c.close());
      const port = (other.address() as AddressInfo).port;
      // A long timeout: the greeting, not the clock, has to end the wait.
      const err = await c.connect('127.0.0.1', port, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatClientError);
      expect(err).toMatchObject({ code: 'NO_GREETING' });
      expect((err as Error).message).toBe(
        greeting.startsWith('ERROR')
          ? `127.0.0.1:${port} refused the connection: it said "${greeting}"`
          : `127.0.0.1:${port} is not a chat server: it said "${greeting}" where a chat server says HELLO`,
      );
      expect(c.connected).toBe(false);
    }
  });

  it('reads a page of a listing: the total, the entries, and the +<more> after a page cut short', () => {
    expect(parseListing('USERS 250 ada al +248')).toEqual({ total: 250, entries: ['ada', 'al'], more: 248 });
    expect(parseListing('USERS 2 ada bo')).toEqual({ total: 2, entries: ['ada', 'bo'], more: 0 });
    expect(parseListing('GROUPS 0')).toEqual({ total: 0, entries: [], more: 0 });
  });
});
