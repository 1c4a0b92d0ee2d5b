// Telnet commands in the byte stream: removed before framing, option requests refused, over a real socket too.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connection, type DisconnectReason, EchoServer, TelnetFilter } from '../../src/line/index.js';
import { eventually } from './raw-client.js';

const IAC = 0xff;
const IP = 0xf4;
const DO = 0xfd;
const WILL = 0xfb;
const WONT = 0xfc;
const DONT = 0xfe;
const SB = 0xfa;
const SE = 0xf0;
const TIMING_MARK = 0x06;

function feed(chunks: number[][]): { data: number[]; reply: number[] } {
  const filter = new TelnetFilter();
  const data: number[] = [];
  const reply: number[] = [];
  for (const chunk of chunks) {
    const out = filter.push(Buffer.from(chunk));
    data.push(...out.data);
    if (out.reply) reply.push(...out.reply);
  }
  return { data, reply };
}

describe('TelnetFilter', () => {
  it('passes a chunk with no IAC through untouched (the same buffer)', () => {
    const chunk = Buffer.from('hello\r\n');
    expect(new TelnetFilter().push(chunk).data).toBe(chunk);
  });

  it("removes Ctrl-C's IAC IP IAC DO TIMING-MARK and refuses the timing mark", () => {
    const out = feed([[0x61, IAC, IP, IAC, DO, TIMING_MARK, 0x62]]);
    expect(Buffer.from(out.data).toString()).toBe('ab');
    expect(out.reply).toEqual([IAC, WONT, TIMING_MARK]);
  });

  it('answers WILL with DONT, ignores WONT/DONT, keeps an escaped IAC IAC as one 0xFF', () => {
    const out = feed([[IAC, WILL, 0x01, IAC, WONT, 0x03, IAC, DONT, 0x05, 0x41, IAC, IAC, 0x42]]);
    expect(out.data).toEqual([0x41, 0xff, 0x42]);
    expect(out.reply).toEqual([IAC, DONT, 0x01]);
  });

  it('drops a subnegotiation up to IAC SE, even one split over chunks', () => {
    const out = feed([
      [0x78, IAC, SB, 0x18],
      [0x00, 0x41, IAC],
      [SE, 0x79],
    ]);
    expect(Buffer.from(out.data).toString()).toBe('xy');
  });

  it('never lets a telnet sequence swallow a line feed, and keeps a stray 0xFF before a non-command', () => {
    expect(feed([[0x61, IAC, SB, 0x62, 0x0a, 0x63]]).data).toEqual([0x61, 0x0a, 0x63]);
    expect(feed([[IAC, DO, 0x0a, 0x64]]).data).toEqual([0x0a, 0x64]);
    expect(feed([[IAC], [0x0a]]).data).toEqual([IAC, 0x0a]);
    expect(feed([[IAC, 0x41, 0x42]]).data).toEqual([IAC, 0x41, 0x42]);
  });

  it('gives the same result however a stream is cut into chunks, and never loses a line feed', () => {
    const byte = fc.constantFrom(
      IAC,
      IAC,
      IP,
      DO,
      WILL,
      WONT,
      DONT,
      SB,
      SE,
      TIMING_MARK,
      0x0a,
      0x41,
      0x42,
      0xf9,
    );
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
        (stream, cuts) => {
          const points = [...new Set(cuts.filter((c) => c <= stream.length))].sort((a, b) => a - b);
          const chunks: number[][] = [];
          let start = 0;
          for (const p of points) {
            chunks.push(stream.slice(start, p));
            start = p;
          }
          chunks.push(stream.slice(start));
          const whole = feed([stream]);
          expect(feed(chunks)).toEqual(whole);
          const lineFeeds = (bytes: number[]) => bytes.filter((b) => b === 0x0a).length;
          expect(lineFeeds(whole.data)).toBe(lineFeeds(stream));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('LineServer with a telnet client', () => {
  const servers: EchoServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('refuses the timing mark at once and keeps the line intact, so output keeps flowing after Ctrl-C', async () => {
    const server = new EchoServer({ telnet: true });
    servers.push(server);
    const { port } = await server.start({ port: 0 });
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.from([0x68, 0x69, IAC, IP, IAC, DO, TIMING_MARK, 0x0d, 0x0a]));
    const deadline = Date.now() + 5000;
    while (!Buffer.concat(received).includes('HI\n') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    const all = Buffer.concat(received);
    expect(all.includes(Buffer.from([IAC, WONT, TIMING_MARK]))).toBe(true);
    expect(all.toString('latin1')).toContain('HI\n');
    expect(all.includes(0xef)).toBe(false); // no U+FFFD (EF BF BD) from stray IAC bytes reached the line
  });

  it('drops a peer that sends option requests forever and never reads, as a slow consumer', async () => {
    const reasons: DisconnectReason[] = [];
    class Recording extends EchoServer {
      protected override onDisconnect(conn: Connection, reason: DisconnectReason): void {
        reasons.push(reason);
        super.onDisconnect(conn, reason);
      }
    }
    const server = new Recording({ telnet: true, maxOutputBytes: 64 * 1024 });
    servers.push(server);
    const { port } = await server.start({ port: 0 });
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.pause(); // never reads the refusals
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // 18 MiB of IAC DO x: each asks for a 3-byte refusal, far more than the bound plus what the kernel buffers.
    const requests = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < requests.length; i += 3) requests.set([IAC, DO, 0x01], i);
    for (let i = 0; i < 6; i++) socket.write(requests);
    await closed;
    await eventually(() => reasons.length === 1, 'the server to see the disconnect');
    expect(reasons).toEqual(['slow-consumer']);
  });

  it('leaves 0xFF bytes to the decoder when telnet handling is off (the default)', async () => {
    const server = new EchoServer();
    servers.push(server);
    const { port } = await server.start({ port: 0 });
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.from([0x61, IAC, IP, 0x62, 0x0a]));
    const deadline = Date.now() + 5000;
    while (!text.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    expect(text).toBe('A\ufffd\ufffdB\n');
  });
});
