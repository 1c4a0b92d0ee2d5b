// Whatever a client sends, the server answers or closes, and keeps serving everyone else.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, startStaticServer } from '../../src/web/server.js';
import { rawExchange } from './raw-client.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

let server: StaticServer;
beforeAll(async () => {
  server = await startStaticServer({ root: SITE, port: 0 });
});
afterAll(async () => {
  await server?.stop();
});

const VALID = [
  'GET /page1.html\r\n',
  'GET /page1.html HTTP/1.0\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'HEAD /images/ HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n\r\n',
  'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
];

/** A valid request with a few bytes replaced, inserted or cut. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(
      fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'cut')),
      {
        maxLength: 4,
      },
    ),
  )
  .map(([request, edits]) => {
    const bytes = [...Buffer.from(request, 'latin1')];
    for (const [at, byte, how] of edits) {
      const i = at % (bytes.length + 1);
      if (how === 'set' && i < bytes.length) bytes[i] = byte;
      else if (how === 'insert') bytes.splice(i, 0, byte);
      else bytes.length = Math.min(bytes.length, i);
    }
    return Buffer.from(bytes);
  });

const input = fc.oneof(
  mutated,
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

describe('serve under hostile input', () => {
  it('answers or closes every connection, and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        await rawExchange(server.port, bytes.length > 0 ? [bytes] : [], { endAfter: true, timeoutMs: 5000 });
      }),
      { numRuns: 300 },
    );
    const res = await fetch(`${server.url}/page1.html`);
    expect(res.status).toBe(200);
  });
});
