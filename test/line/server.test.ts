// LineServer over real sockets: hook order and serialization, errors in hooks, framing limits, coalescing,
// slow consumers, resets, stop(), and many short connections.
import { Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Connection, type DisconnectReason, LineError, LineServer } from '../../src/line/index.js';
import { eventually, RawClient } from './raw-client.js';

interface Gate {
  promise: Promise<void>;
  open: () => void;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Records every hook call; behaviour per line is set by the test. */
class RecordingServer extends LineServer<{ lines: number }> {
  readonly events: string[] = [];
  readonly reasons = new Map<number, DisconnectReason>();
  reply: (conn: Connection<{ lines: number }>, line: string) => void | Promise<void> = (conn, line) => {
    conn.send(line.toUpperCase());
  };
  connectHook: (conn: Connection<{ lines: number }>) => void | Promise<void> = () => {};

  protected override createState(): { lines: number } {
    return { lines: 0 };
  }
  protected override onStart(): void {
    this.events.push('start');
  }
  protected override onConnect(conn: Connection<{ lines: number }>): void | Promise<void> {
    this.events.push(`connect ${conn.id}`);
    return this.connectHook(conn);
  }
  protected override onMessage(conn: Connection<{ lines: number }>, line: string): void | Promise<void> {
    conn.state.lines++;
    this.events.push(`message ${conn.id} ${line}`);
    return this.reply(conn, line);
  }
  protected override onDisconnect(conn: Connection<{ lines: number }>, reason: DisconnectReason): void {
    this.events.push(`disconnect ${conn.id} ${reason}`);
    this.reasons.set(conn.id, reason);
  }
  protected override onStop(): void {
    this.events.push('stop');
  }
}

const servers: LineServer<object>[] = [];
const clients: RawClient[] = [];

async function startServer(server: RecordingServer = new RecordingServer()): Promise<RecordingServer> {
  await server.start({ port: 0 });
  servers.push(server as unknown as LineServer<object>);
  return server;
}

async function client(server: LineServer<object> | RecordingServer, options?: { readable?: boolean }) {
  const c = new RawClient(server.address.port, '127.0.0.1', options);
  clients.push(c);
  await c.connected();
  // The client's connect can complete before the server has accepted; tests need the server to know it.
  await eventually(
    () => [...server.connections].some((conn) => conn.remotePort === c.socket.localPort),
    'the server to accept the client',
  );
  return c;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients.splice(0)) c.socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('LineServer basics', () => {
  it('start() listens on 127.0.0.1 with an ephemeral port, readable afterwards', async () => {
    const server = await startServer();
    expect(server.address.host).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
    await expect(server.start()).rejects.toThrow(/already started/);
  });

  it('a listen failure rejects with the system error code (so the CLI can explain it)', async () => {
    const first = await startServer();
    const second = new RecordingServer();
    await expect(second.start({ port: first.address.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('runs the hooks in order and gives each connection its own typed state', async () => {
    const server = await startServer();
    const c = await client(server);
    c.write('one\r\ntwo\n');
    expect(await c.waitForLines(2)).toEqual(['ONE', 'TWO']);
    const [conn] = [...server.connections];
    expect(conn!.state.lines).toBe(2);
    expect(conn!.remoteAddress).toBe('127.0.0.1');
    expect(conn!.remotePort).toBe(c.socket.localPort);
    c.end();
    await c.waitForClose();
    await eventually(() => server.connections.size === 0, 'the connection to be forgotten');
    await server.stop();
    expect(server.events).toEqual([
      'start',
      `connect ${conn!.id}`,
      `message ${conn!.id} one`,
      `message ${conn!.id} two`,
      `disconnect ${conn!.id} client-closed`,
      'stop',
    ]);
  });

  it('splits lines across packets, handles \\r\\n split between packets, skips empty lines', async () => {
    const server = await startServer();
    const c = await client(server);
    for (const piece of ['he', 'llo\r', '\n\r\n\nwor', 'ld\r', '\n']) {
      c.write(piece);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await c.waitForLines(2)).toEqual(['HELLO', 'WORLD']);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', async () => {
    const server = await startServer();
    const c = await client(server);
    // 0xFE is never valid UTF-8 (0xFF would be telnet's IAC, taken out before decoding); 0xC3 lacks its tail.
    c.write(Buffer.concat([Buffer.from('bad '), Buffer.from([0xfe, 0xc3]), Buffer.from(' ok é\n')]));
    expect(await c.waitForLines(1)).toEqual(['BAD \ufffd\ufffd OK É']);
  });

  it('answers an overlong line with one error line and closes, after the lines before it', async () => {
    const server = await startServer(new RecordingServer({ maxLineBytes: 100 }));
    const c = await client(server);
    c.write(`fine\n${'x'.repeat(100)}\n${'y'.repeat(5000)}\nafter\n`);
    await c.waitForClose();
    expect(c.lines).toEqual(['FINE', 'X'.repeat(100), 'ERROR LINE_TOO_LONG lines are limited to 100 bytes']);
    await eventually(() => server.reasons.size === 1, 'onDisconnect');
    expect([...server.reasons.values()]).toEqual(['line-too-long']);
    expect(server.events.some((e) => e.includes('after'))).toBe(false);
  });

  it('a client that half-closes still gets every reply, even to a last line without "\\n"', async () => {
    const server = await startServer();
    const c = await client(server);
    c.write('a\nb\nc');
    c.end();
    await c.waitForClose();
    expect(c.lines).toEqual(['A', 'B', 'C']);
  });
});

describe('LineServer hook serialization', () => {
  it('an async onMessage delays later lines of the same connection but not of another', async () => {
    const server = await startServer();
    const hold = gate();
    server.reply = async (conn, line) => {
      if (line === 'slow') await hold.promise;
      conn.send(`done ${line}`);
    };
    const a = await client(server);
    const b = await client(server);
    a.write('slow\nafter\n');
    await eventually(() => server.events.some((e) => e.endsWith(' slow')), 'the slow line to start');
    b.write('quick\n');
    expect(await b.waitForLines(1)).toEqual(['done quick']);
    // The connection with the pending hook has not seen its second line yet.
    expect(server.events.some((e) => e.endsWith(' after'))).toBe(false);
    expect(a.lines).toEqual([]);
    hold.open();
    expect(await a.waitForLines(2)).toEqual(['done slow', 'done after']);
  });

  it('lines that arrive during an async onConnect wait for it', async () => {
    const server = await startServer();
    const hold = gate();
    server.connectHook = async (conn) => {
      await hold.promise;
      conn.send('welcome');
    };
    const c = await client(server);
    c.write('first\n');
    await new Promise((r) => setTimeout(r, 30));
    expect(server.events.filter((e) => e.startsWith('message'))).toEqual([]);
    hold.open();
    expect(await c.waitForLines(2)).toEqual(['welcome', 'FIRST']);
  });

  it('onDisconnect runs after the pending hooks of that connection', async () => {
    const server = await startServer();
    const hold = gate();
    server.reply = async () => {
      await hold.promise;
    };
    const c = await client(server);
    c.write('pending\n');
    await eventually(() => server.events.some((e) => e.endsWith(' pending')), 'the hook to start');
    c.reset();
    await new Promise((r) => setTimeout(r, 30));
    expect(server.events.some((e) => e.startsWith('disconnect'))).toBe(false);
    expect(server.connections.size).toBe(1);
    hold.open();
    await eventually(() => server.connections.size === 0, 'the connection to be forgotten');
    expect(server.events.at(-1)).toMatch(/^disconnect \d+ (reset|client-closed)$/);
  });

  it('pauses a connection with too many unprocessed lines and loses none of them', async () => {
    const server = await startServer(new RecordingServer({ maxPendingLines: 16 }));
    const hold = gate();
    let seen = 0;
    server.reply = (conn, line) => {
      seen++;
      if (line === 'block') return hold.promise;
      if (line === 'last') conn.send(`seen ${seen}`);
    };
    const c = await client(server);
    const filler = `${'f'.repeat(199)}\n`;
    const count = 100_000; // 20 MB: more than loopback's kernel buffers can hide
    c.write(`block\n${filler.repeat(count)}last\n`);
    await new Promise((r) => setTimeout(r, 300));
    // The server stopped reading: the rest waits in the kernel and in the client, not in the server's memory.
    const conn = [...server.connections][0]!;
    expect(conn.bytesRead).toBeLessThan(1024 * 1024);
    expect(seen).toBe(1);
    hold.open();
    expect(await c.waitForLines(1, 60_000)).toEqual([`seen ${count + 2}`]);
  });
});

describe('LineServer errors in hooks', () => {
  it('a throwing hook is logged, the client gets an error line, and the server keeps serving', async () => {
    const server = await startServer();
    server.reply = async (conn, line) => {
      if (line === 'throw') throw new Error('broken\nhandler');
      if (line === 'reject') await Promise.reject(new Error('async broken'));
      conn.send(`ok ${line}`);
    };
    const a = await client(server);
    const b = await client(server);
    a.write('throw\nreject\nstill here\n');
    expect(await a.waitForLines(3)).toEqual([
      'ERROR INTERNAL broken handler',
      'ERROR INTERNAL async broken',
      'ok still here',
    ]);
    b.write('hi\n');
    expect(await b.waitForLines(1)).toEqual(['ok hi']);
  });

  it('a throwing onConnect or onDisconnect does not stop the server or leak the connection', async () => {
    class Fragile extends RecordingServer {
      protected override onDisconnect(): void {
        throw new Error('disconnect bug');
      }
    }
    const server = await startServer(new Fragile());
    server.connectHook = () => {
      throw new Error('connect bug');
    };
    const c = await client(server);
    c.write('after\n');
    expect(await c.waitForLines(2)).toEqual(['ERROR INTERNAL connect bug', 'AFTER']);
    c.end();
    await c.waitForClose();
    await eventually(() => server.connections.size === 0, 'the connection to be forgotten');
  });

  it('a subclass chooses its own error line', async () => {
    class Custom extends RecordingServer {
      protected override hookErrorLine(err: unknown): string {
        return `ERROR OOPS ${(err as Error).message}`;
      }
    }
    const server = await startServer(new Custom());
    server.reply = () => {
      throw new Error('nope');
    };
    const c = await client(server);
    c.write('x\n');
    expect(await c.waitForLines(1)).toEqual(['ERROR OOPS nope']);
  });

  it('send() rejects a line containing \\n or \\r with LINE_HAS_NEWLINE and sends nothing', async () => {
    const server = await startServer();
    const codes: string[] = [];
    server.reply = (conn) => {
      for (const bad of ['two\nlines', 'carriage\rreturn', 'trailing\n']) {
        try {
          conn.send(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(LineError);
          codes.push((err as LineError).code);
        }
      }
      conn.send('end');
    };
    const c = await client(server);
    c.write('go\n');
    expect(await c.waitForLines(1)).toEqual(['end']);
    expect(codes).toEqual(['LINE_HAS_NEWLINE', 'LINE_HAS_NEWLINE', 'LINE_HAS_NEWLINE']);
  });

  it('send() after close() returns false', async () => {
    const server = await startServer();
    const results: boolean[] = [];
    server.reply = (conn) => {
      results.push(conn.send('before'));
      conn.close('bye');
      results.push(conn.send('after'));
      expect(conn.closed).toBe(true);
    };
    const c = await client(server);
    c.write('x\n');
    await c.waitForClose();
    expect(c.lines).toEqual(['before']);
    expect(results).toEqual([true, false]);
    await eventually(() => server.reasons.size === 1, 'onDisconnect');
    expect([...server.reasons.values()]).toEqual(['bye']);
  });
});

describe('LineServer output', () => {
  it('coalesces the lines queued in one turn into one socket write', async () => {
    const server = await startServer();
    server.reply = (conn, line) => {
      if (line !== 'burst') return;
      for (let i = 0; i < 1000; i++) conn.send(`line ${i}`);
    };
    const c = await client(server);
    const write = vi.spyOn(Socket.prototype, 'write');
    c.write('burst\n');
    const lines = await c.waitForLines(1000);
    expect(lines[0]).toBe('line 0');
    expect(lines[999]).toBe('line 999');
    const serverSideWrites = write.mock.contexts.filter(
      (socket) => (socket as Socket).remotePort === c.socket.localPort,
    );
    expect(serverSideWrites).toHaveLength(1);
    // And the client sees it as a handful of reads, not a thousand.
    expect(c.dataEvents).toBeLessThan(20);
  });

  it('a broadcast from one line is one write per listener', async () => {
    const server = await startServer();
    server.reply = (_conn, line) => {
      for (const conn of server.connections) for (let i = 0; i < 50; i++) conn.send(`${line} ${i}`);
    };
    const listeners = await Promise.all([1, 2, 3].map(() => client(server)));
    const write = vi.spyOn(Socket.prototype, 'write');
    listeners[0]!.write('news\n');
    for (const l of listeners) expect((await l.waitForLines(50)).at(-1)).toBe('news 49');
    const ports = new Set(listeners.map((l) => l.socket.localPort));
    const writes = write.mock.contexts.filter((s) => ports.has((s as Socket).remotePort));
    expect(writes).toHaveLength(3);
  });

  it('slows down, rather than drops, a client that pipelines requests faster than it reads the replies', async () => {
    const server = await startServer();
    const c = await client(server, { readable: false });
    const count = 100_000; // 10 MB of requests, 10 MB of replies: far beyond maxOutputBytes (1 MiB)
    c.write(`${'q'.repeat(99)}\n`.repeat(count));
    await new Promise((r) => setTimeout(r, 300));
    expect(c.closed).toBe(false);
    c.startReading();
    const lines = await c.waitForLines(count, 60_000);
    expect(lines.every((l) => l === 'Q'.repeat(99))).toBe(true);
    expect(server.reasons.size).toBe(0);
  });

  it('drops a client that does not read once its output passes maxOutputBytes; others keep getting lines', async () => {
    const server = await startServer(new RecordingServer({ maxOutputBytes: 64 * 1024 }));
    const chunk = 'p'.repeat(1000);
    let stopFlood = false;
    server.reply = async (conn, line) => {
      if (line !== 'flood') {
        conn.send(line.toUpperCase());
        return;
      }
      // Up to 64 MB per listener, a turn at a time, until the stuck client is gone.
      for (let round = 0; round < 1000 && !stopFlood; round++) {
        for (const c of server.connections) for (let i = 0; i < 64; i++) c.send(chunk);
        await new Promise((r) => setImmediate(r));
      }
      conn.send('flood over');
    };
    const stuck = await client(server, { readable: false });
    const reader = await client(server);
    const stuckId = [...server.connections].find((c) => c.remotePort === stuck.socket.localPort)!.id;
    reader.write('flood\n');
    await eventually(() => server.reasons.has(stuckId), 'the stuck client to be dropped', 60_000);
    stopFlood = true;
    expect(server.reasons.get(stuckId)).toBe('slow-consumer');
    await reader.waitForLine('flood over', 60_000);
    expect(reader.closed).toBe(false);
    reader.write('still there\n');
    await reader.waitForLine('STILL THERE');
  });
});

describe('LineServer resets and many connections', () => {
  it('survives clients that reset mid-line, mid-reply and right after connecting', async () => {
    const server = await startServer();
    server.reply = (conn, line) => {
      for (let i = 0; i < 200; i++) conn.send(`${line} ${i}`);
    };
    for (let i = 0; i < 20; i++) {
      const c = await client(server);
      if (i % 3 === 0) c.write('partial line without an end');
      if (i % 3 === 1) c.write('talk\n');
      c.reset();
    }
    await eventually(() => server.connections.size === 0, 'every reset connection to be forgotten');
    const reasons = new Set(server.reasons.values());
    for (const r of reasons) expect(['reset', 'client-closed']).toContain(r);
    const healthy = await client(server);
    healthy.write('hi\n');
    expect((await healthy.waitForLines(200)).at(-1)).toBe('hi 199');
  });

  it('1000 connect/disconnect cycles leave no connections behind', async () => {
    const server = await startServer();
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        const n = next++;
        const c = new RawClient(server.address.port);
        await c.connected();
        c.write(`n${n}\n`);
        await c.waitForLines(1);
        if (n % 2 === 0) c.end();
        else c.reset();
        await c.waitForClose();
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    await eventually(() => server.connections.size === 0, 'all connections to be forgotten');
    expect(server.events.filter((e) => e.startsWith('connect'))).toHaveLength(1000);
    expect(server.events.filter((e) => e.startsWith('disconnect'))).toHaveLength(1000);
  });
});

describe('LineServer fuzz', () => {
  it('random bytes never crash it, and it always answers the next line', async () => {
    const server = await startServer();
    let reserved = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 }),
        async (chunks) => {
          const c = new RawClient(server.address.port);
          await c.connected();
          for (const chunk of chunks) c.write(Buffer.from(chunk));
          c.write(`\nend-of-fuzz ${reserved}\n`);
          await c.waitForLine(`END-OF-FUZZ ${reserved}`);
          reserved++;
          c.socket.destroy();
        },
      ),
      { numRuns: 40 },
    );
    await eventually(() => server.connections.size === 0, 'fuzz connections to be forgotten');
  });
});

describe('LineServer stop()', () => {
  it('calls onStop, says goodbye to every client, closes them, and stops listening', async () => {
    const server = await startServer();
    const cs = await Promise.all([1, 2, 3].map(() => client(server)));
    for (const c of cs) c.write('hello\n');
    for (const c of cs) await c.waitForLines(1);
    const port = server.address.port;
    await server.stop();
    for (const c of cs) {
      await c.waitForClose();
      expect(c.lines).toEqual(['HELLO', 'BYE server stopping']);
    }
    expect(server.connections.size).toBe(0);
    expect(server.events.indexOf('stop')).toBeLessThan(
      server.events.findIndex((e) => e.startsWith('disconnect')),
    );
    expect([...server.reasons.values()]).toEqual(['server-stopping', 'server-stopping', 'server-stopping']);
    const late = new RawClient(port);
    await expect(late.connected()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Stopping twice is harmless.
    await server.stop();
  });

  it('does not wait for ever on a hook that never finishes', async () => {
    const server = await startServer(new RecordingServer({ stopTimeoutMs: 200 }));
    server.reply = () => new Promise<void>(() => {});
    const c = await client(server);
    c.write('hang\n');
    await eventually(() => server.events.some((e) => e.endsWith(' hang')), 'the hanging hook');
    await server.stop();
    await c.waitForClose();
    expect(c.lines).toEqual(['BYE server stopping']);
  });

  it('does not wait for ever on a client that neither reads nor closes', async () => {
    const server = await startServer(new RecordingServer({ lingerMs: 200, maxOutputBytes: 1 << 30 }));
    server.reply = (conn) => {
      for (let i = 0; i < 20_000; i++) conn.send('z'.repeat(1000));
    };
    const stuck = await client(server, { readable: false });
    stuck.write('fill\n');
    await eventually(() => server.events.some((e) => e.endsWith(' fill')), 'the fill line');
    await server.stop();
    expect(server.connections.size).toBe(0);
  });
});
