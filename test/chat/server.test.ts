import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../../src/chat/client.js';
import { NAME_RULE } from '../../src/chat/protocol.js';
import { ChatServer, type ChatServerOptions } from '../../src/chat/server.js';
import { TelnetFilter } from '../../src/line/index.js';
import { eventually } from '../line/raw-client.js';
import { RawClient } from './raw-client.js';

const servers: ChatServer[] = [];
const clients: RawClient[] = [];

async function startServer(options: ChatServerOptions = {}): Promise<{ server: ChatServer; port: number }> {
  const server = new ChatServer(options);
  servers.push(server);
  const { port } = await server.start({ port: 0 });
  return { server, port };
}

async function join(port: number, name?: string): Promise<RawClient> {
  const c = await RawClient.join(port, name);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('ChatServer over TCP', () => {
  it('greets, then answers every command with exactly one OK or ERROR line', async () => {
    const { port } = await startServer();
    const a = await join(port);
    expect(a.lines[0]).toMatch(/^HELLO .*type HELP/);
    expect(await a.ask('MESSAGE hi')).toMatch(/^ERROR NOT_REGISTERED /);
    expect(await a.ask('users')).toBe('OK USERS 0');
    expect(await a.ask('PING 42')).toBe('OK PONG 42');
    expect(await a.ask('HELP')).toMatch(/^OK HELP commands: /);
    expect(await a.ask('HELP join')).toMatch(/^OK HELP JOIN <group>: /);
    expect(await a.ask('NONSENSE')).toBe('ERROR UNKNOWN_COMMAND unknown command "NONSENSE" (type HELP)');
    expect(await a.ask('REGISTER')).toMatch(/^ERROR BAD_ARGUMENTS name is missing/);
    expect(await a.ask('REGISTER bad*name')).toMatch(/^ERROR BAD_NAME /);
    expect(await a.ask('REGISTER alice')).toBe('OK REGISTERED alice');
    const b = await join(port, 'bob');
    expect(await a.next()).toBe('JOINED bob');
    expect(await b.ask('REGISTER Alice')).toMatch(/^ERROR NAME_TAKEN /);
    expect(await a.ask('MESSAGE hello, bob')).toBe('OK SENT 1');
    expect(await b.next()).toBe('MESSAGE alice hello, bob');
    expect(await b.ask('PRIVATE alice psst')).toBe('OK SENT 1');
    expect(await a.next()).toBe('PRIVATE bob psst');
    expect(await a.ask('JOIN devs')).toBe('OK JOINED devs');
    expect(await b.ask('JOIN Devs')).toBe('OK JOINED devs');
    expect(await a.next()).toBe('JOINED bob devs');
    expect(await a.ask('GROUPS')).toBe('OK GROUPS 1 devs:2');
    expect(await a.ask('GROUP devs ship it')).toBe('OK SENT 1');
    expect(await b.next()).toBe('GROUP devs alice ship it');
    expect(await b.ask('LEAVE devs')).toBe('OK LEFT devs');
    expect(await a.next()).toBe('LEFT bob devs');
    expect(await b.ask('GROUP devs hi')).toMatch(/^ERROR NOT_MEMBER /);
    expect(await b.ask('REGISTER rob')).toBe('OK RENAMED bob rob');
    expect(await a.next()).toBe('RENAMED bob rob');
    expect(await a.ask('USERS')).toBe('OK USERS 2 alice rob');
    expect(await b.ask('QUIT bye now')).toBe('OK BYE');
    await b.closed;
    expect(await a.next()).toBe('LEFT rob');
    expect(a.unread()).toEqual([]);
  });

  it('keeps presence news in order with everything else, also when many arrive at once', async () => {
    const { port } = await startServer();
    const a = await join(port, 'alice');
    // bob registers and speaks at once: alice must hear JOINED before his MESSAGE, and LEFT after it.
    const b = await RawClient.connect(port);
    clients.push(b);
    b.send('REGISTER bob\r\nMESSAGE hi\r\nQUIT');
    await b.closed;
    expect([await a.next(), await a.next(), await a.next()]).toEqual([
      'JOINED bob',
      'MESSAGE bob hi',
      'LEFT bob',
    ]);
    // 100 arrivals at once: everyone hears exactly about those who came after them, in order.
    const crowd = await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(port)));
    clients.push(...crowd);
    for (const c of crowd) await c.next(); // HELLO
    await Promise.all(
      crowd.map(async (c, i) => expect(await c.reply(`REGISTER p${i}`)).toBe(`OK REGISTERED p${i}`)),
    );
    expect(await a.reply('PING done')).toBe('OK PONG done');
    // alice was there first, so she heard every arrival, in the order the server took them.
    const order = a.skipped.map((l) => l.replace(/^JOINED /, ''));
    expect([...order].sort()).toEqual(crowd.map((_, i) => `p${i}`).sort());
    for (const [i, c] of crowd.entries()) {
      expect(await c.reply('PING')).toBe('OK PONG');
      const after = order.slice(order.indexOf(`p${i}`) + 1);
      expect(c.skipped, `p${i}`).toEqual(after.map((n) => `JOINED ${n}`));
    }
  });

  it('frees the name and tells the others at QUIT, even while the quitter keeps its socket open', async () => {
    const { port } = await startServer();
    const a = await join(port, 'ann');
    // ben never closes his side (like `nc` after QUIT): the server's FIN alone must be enough.
    const ben = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let heard = '';
    ben.setEncoding('utf8').on('data', (chunk: string) => {
      heard += chunk;
    });
    ben.on('error', () => {});
    try {
      ben.write('REGISTER ben\r\n');
      expect(await a.next()).toBe('JOINED ben');
      ben.write('QUIT\r\n');
      // Well before the 2 s the server lets a closed socket linger for its peer.
      expect(await a.next(1000)).toBe('LEFT ben');
      expect(heard).toMatch(/OK BYE\n$/);
    } finally {
      ben.destroy();
    }
    expect(await a.ask('USERS')).toBe('OK USERS 1 ann');
    const c = await join(port);
    expect(await c.ask('REGISTER ben')).toBe('OK REGISTERED ben');
  });

  it('ignores lines of only spaces and tabs, as it ignores empty lines', async () => {
    const { port } = await startServer();
    const a = await join(port, 'ann');
    a.send('');
    a.send('   ');
    a.send(' \t ');
    expect(await a.ask('PING after')).toBe('OK PONG after');
  });

  it('sends a PRIVATE with a missing name to nobody', async () => {
    const { port } = await startServer();
    const a = await join(port, 'alice');
    const b = await join(port, 'bob');
    await a.next(); // JOINED bob
    expect(await a.ask('PRIVATE bob,ghost,alice secret')).toBe(
      'ERROR NO_SUCH_USER no such user: "ghost" (nothing was sent; type USERS)',
    );
    expect(await a.ask('PRIVATE bob after')).toBe('OK SENT 1');
    // The first line bob receives is the second send: the failed one left nothing behind.
    expect(await b.next()).toBe('PRIVATE alice after');
  });

  it('removes control characters and escape sequences from relayed text, and stamps the sender', async () => {
    const { port } = await startServer();
    const a = await join(port, 'alice');
    const b = await join(port, 'bob');
    await a.next();
    a.send(
      Buffer.from('MESSAGE \u001b]0;owned\u0007hi \u001b[2J\u009b31mthere\u0000\u0008 bob: fake\r\n', 'utf8'),
    );
    expect(await a.next()).toBe('OK SENT 1');
    expect(await b.next()).toBe('MESSAGE alice hi there bob: fake');
    // Invalid UTF-8 is replaced, never a crash. (0xFE, not 0xFF: 0xFF is telnet's IAC, handled before decoding.)
    a.send(Buffer.from([0x4d, 0x45, 0x53, 0x53, 0x41, 0x47, 0x45, 0x20, 0xfe, 0xc3, 0x41, 0x0a]));
    expect(await a.next()).toBe('OK SENT 1');
    expect(await b.next()).toBe('MESSAGE alice \ufffd\ufffdA');
  });

  it('refuses messages with nothing visible to everyone, to a list and to a group, and relays the rest', async () => {
    const { port } = await startServer();
    const a = await join(port, 'alice');
    const b = await join(port, 'bob');
    await a.next();
    expect(await a.ask('JOIN g')).toBe('OK JOINED g');
    expect(await b.ask('JOIN g')).toBe('OK JOINED g');
    expect(await a.next()).toBe('JOINED bob g');
    // Zero-width space, LRM and RLM, an isolate pair, BOM, word joiner, NBSP, Hangul filler.
    const blank = '\u200b\u200e\u200f\u2066\u2069\ufeff\u2060\u00a0\u3164';
    for (const command of ['MESSAGE', 'PRIVATE bob', 'GROUP g']) {
      expect(await a.ask(`${command} ${blank}`)).toMatch(/^ERROR BAD_ARGUMENTS text has nothing visible/);
    }
    expect(await a.ask(`PRIVATE bob ${blank}ok`)).toBe('OK SENT 1');
    // The first line bob receives after the JOIN is the visible one: the refused ones reached nobody.
    expect(await b.next()).toBe('PRIVATE alice \u200b\u200e\u200f\ufeff\u2060\u00a0\u3164ok');
  });

  it('refuses names and groups without a letter or digit, saying the rule', async () => {
    const { port } = await startServer();
    const a = await join(port);
    for (const name of ['.', '..', '-', '_.-']) {
      expect(await a.ask(`REGISTER ${name}`)).toBe(
        `ERROR BAD_NAME "${name}" is not a valid name: use ${NAME_RULE}`,
      );
    }
    expect(await a.ask('REGISTER a.')).toBe('OK REGISTERED a.');
    expect(await a.ask('JOIN ..')).toBe(`ERROR BAD_GROUP ".." is not a valid group name: use ${NAME_RULE}`);
    expect(await a.ask('HELP REGISTER')).toContain(NAME_RULE);
  });

  it('answers GROUPS with one bounded reply a page at a time, however many groups there are', async () => {
    // 600 groups of long names would make a listing of about 22 KB, beyond this server's 16 KiB output bound.
    const { port } = await startServer({
      maxOutputBytes: 16 * 1024,
      maxGroupsPerUser: 1000,
      flood: { burst: 100_000, ratePerSecond: 100_000, maxQueued: 100_000 },
    });
    const a = await join(port, 'alice');
    const groups = Array.from({ length: 600 }, (_, i) => `g${String(i).padStart(3, '0')}${'x'.repeat(28)}`);
    for (let i = 0; i < groups.length; i += 100) {
      const some = groups.slice(i, i + 100);
      a.send(some.map((g) => `JOIN ${g}`).join('\r\n'));
      for (const g of some) expect(await a.next()).toBe(`OK JOINED ${g}`);
    }
    const listed: string[] = [];
    let reply = await a.ask('GROUPS');
    for (;;) {
      const words = reply.split(' ');
      expect(words.slice(0, 3)).toEqual(['OK', 'GROUPS', '600']);
      const more = words.at(-1)!.startsWith('+') ? Number(words.pop()!.slice(1)) : 0;
      expect(words.length - 3).toBeLessThanOrEqual(100);
      listed.push(...words.slice(3));
      expect(more).toBe(600 - listed.length);
      if (more === 0) break;
      reply = await a.ask(`GROUPS ${listed.at(-1)!.split(':')[0]}`);
    }
    expect(listed).toEqual(groups.map((g) => `${g}:1`));
  });

  it('in a chat larger than presenceLimit, tells arrivals and departures only to those sharing a group', async () => {
    const { port } = await startServer({ presenceLimit: 2 });
    const a = await join(port, 'ann');
    const b = await join(port, 'bob');
    expect(await a.next()).toBe('JOINED bob');
    expect(await a.ask('JOIN g')).toBe('OK JOINED g');
    const c = await join(port, 'cy');
    // Three registered: cy's arrival is nobody's news; the PING's reply would come after it if it were.
    expect(await a.ask('PING 1')).toBe('OK PONG 1');
    expect(await b.ask('PING 2')).toBe('OK PONG 2');
    expect(await c.ask('JOIN g')).toBe('OK JOINED g');
    expect(await a.next()).toBe('JOINED cy g');
    c.destroy();
    expect(await a.next()).toBe('LEFT cy g');
    expect(b.unread()).toEqual([]);
    // Two left: a small chat again, where everyone hears about everyone.
    b.destroy();
    expect(await a.next()).toBe('LEFT bob');
    expect(await a.ask('USERS')).toBe('OK USERS 1 ann');
  });

  it('delays commands beyond the bucket but runs every one, in order', async () => {
    const { port } = await startServer({ flood: { burst: 3, ratePerSecond: 100, maxQueued: 100 } });
    const a = await join(port, 'alice');
    a.send(Array.from({ length: 30 }, (_, i) => `PING ${i}\r\n`).join(''));
    for (let i = 0; i < 30; i++) expect(await a.next()).toBe(`OK PONG ${i}`);
  });

  it('disconnects a client far beyond the limit and keeps serving the others', async () => {
    const { server, port } = await startServer({ flood: { burst: 3, ratePerSecond: 2, maxQueued: 5 } });
    const a = await join(port, 'alice');
    const b = await join(port, 'bob');
    await a.next();
    b.send(Array.from({ length: 50 }, (_, i) => `PING ${i}\r\n`).join(''));
    await b.closed;
    // Two ran at once (the rest of the burst after REGISTER); the rest were waiting when the flood was cut off, with an error.
    expect(b.lines.slice(2, 4)).toEqual(['OK PONG 0', 'OK PONG 1']);
    expect(b.lines.at(-1)).toMatch(/^ERROR FLOOD more than 5 commands waiting/);
    expect(await a.next()).toBe('LEFT bob');
    expect(await a.ask('USERS')).toBe('OK USERS 1 alice');
    await eventually(() => server.clientCount === 1, 'one client left');
  });

  it('PINGs an idle client, keeps it when it answers and drops it when it does not', async () => {
    const { server, port } = await startServer({ idleMs: 150, pingTimeoutMs: 150 });
    const answering = await join(port, 'alice');
    const silent = await join(port, 'bob');
    expect(await answering.next()).toBe('JOINED bob');
    const ping = await answering.next(3000);
    expect(ping).toMatch(/^PING \d+$/);
    expect(await answering.ask(`PING ${ping.slice(5)}`)).toBe(`OK PONG ${ping.slice(5)}`);
    await silent.closed;
    expect(silent.lines.slice(-2)).toEqual([
      expect.stringMatching(/^PING \d+$/),
      expect.stringMatching(/^BYE idle/),
    ]);
    // Meanwhile alice keeps answering her PINGs, and stays.
    for (;;) {
      const line = await answering.next(3000);
      if (line === 'LEFT bob') break;
      expect(line).toMatch(/^(PING \d+|OK PONG \d+)$/);
      if (line.startsWith('PING ')) answering.send(line);
    }
    await eventually(() => server.room.userCount === 1, 'one user left');
    // ChatClient answers by itself and stays.
    const program = new ChatClient();
    await program.connect('127.0.0.1', port);
    await program.register('carol');
    const pings: string[] = [];
    program.onEvent = (e) => {
      if (e.type === 'PING') pings.push(e.token);
    };
    await eventually(() => pings.length >= 3, 'three PINGs');
    expect(program.connected).toBe(true);
    expect(await program.users()).toContain('carol');
    program.close();
  });

  it('isolates a client that never reads: the others keep getting every message', async () => {
    const { server, port } = await startServer({
      maxOutputBytes: 256 * 1024,
      flood: { burst: 100_000, ratePerSecond: 100_000, maxQueued: 100_000 },
    });
    const sender = await join(port, 'sender');
    const reader = await join(port, 'reader');
    const stuck = await join(port, 'stuck');
    await sender.next();
    await sender.next();
    await reader.next();
    stuck.socket.pause();
    const text = 'x'.repeat(1000);
    // 8 MB for the stuck client: far over its 256 KiB output bound plus what the kernel buffers on loopback.
    const total = 8000;
    const sending = (async () => {
      for (let i = 0; i < total; i += 20) {
        sender.send(Array.from({ length: 20 }, (_, j) => `MESSAGE ${i + j} ${text}\r\n`).join(''));
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
    let seen = 0;
    let stuckLeft = false;
    for (;;) {
      const line = await reader.next(10_000);
      if (line.startsWith('MESSAGE sender ')) {
        expect(line.startsWith(`MESSAGE sender ${seen} `)).toBe(true);
        seen++;
        if (seen === total) break;
      } else {
        expect(line).toBe('LEFT stuck');
        stuckLeft = true;
      }
    }
    await sending;
    expect(stuckLeft).toBe(true);
    await eventually(
      () => server.room.nameOf(3) === undefined && server.room.userCount === 2,
      'the slow reader dropped',
      10_000,
    );
  });

  it('leaks no names or sockets over 1000 connect/disconnect cycles', async () => {
    const { server, port } = await startServer();
    const slots = 25;
    await Promise.all(
      Array.from({ length: slots }, async (_, slot) => {
        for (let i = 0; i < 1000 / slots; i++) {
          const c = await RawClient.join(port, `cycler${slot}`);
          // Alternate a polite QUIT with an abrupt close.
          if (i % 2 === 0) {
            expect(await c.reply('QUIT')).toBe('OK BYE');
            await c.closed;
          } else {
            c.destroy();
          }
          // The name is free again only once the server saw the close; wait for it before reusing the name.
          await eventually(() => !server.room.hasName(`cycler${slot}`), `cycler${slot}'s name freed`);
        }
      }),
    );
    await eventually(() => server.clientCount === 0 && server.connections.size === 0, 'no connections');
    expect(server.room.userCount).toBe(0);
    expect(server.room.clientCount).toBe(0);
    const last = await join(port, 'last');
    expect(await last.ask('USERS')).toBe('OK USERS 1 last');
  });

  it('answers random byte lines: exactly one reply each, and it stays up', async () => {
    const fc = (await import('fast-check')).default;
    const { port } = await startServer({
      flood: { burst: 100_000, ratePerSecond: 100_000, maxQueued: 100_000 },
    });
    let c = await join(port, 'fuzzer');
    const other = await join(port, 'other');
    let marker = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const raw = Buffer.from(bytes.filter((b) => b !== 0x0a && b !== 0x0d));
        // What the server frames after taking telnet commands out (a line feed always resets the filter).
        const framed = new TelnetFilter().push(Buffer.concat([raw, Buffer.from('\n')])).data;
        const line = framed.subarray(0, framed.length - 1);
        const text = line.toString('utf8');
        if (line.length === 0) return; // empty lines are ignored by the framing
        if (/^[ \t]*$/.test(text)) return; // and blank ones by the server (no reply; tested elsewhere)
        if (/^[ \t]*quit([ \t]|$)/i.test(text)) return; // QUIT closes, tested elsewhere
        if (/^[ \t]*register[ \t]/i.test(text)) return; // would rename the fuzzer; names are tested elsewhere
        const id = ++marker;
        c.send(Buffer.concat([raw, Buffer.from(`\nPING m${id}\n`)]));
        const replies: string[] = [];
        for (;;) {
          // The server's answer to a telnet DO/WILL (IAC WONT x: bytes FF FC x) comes before the reply line.
          const l = (await c.next()).replace(/^(?:\ufffd\ufffd[\s\S])+/, '');
          if (l === `OK PONG m${id}`) break;
          if (l.startsWith('OK') || l.startsWith('ERROR')) replies.push(l);
        }
        expect(replies).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
    // Still up and still routing.
    expect(await other.ask('PING alive')).toBe('OK PONG alive');
    c.destroy();
    c = await join(port, 'fuzzer2');
    expect(await c.ask('USERS')).toMatch(/^OK USERS 2 /);
  });
});
