// Replays every ```transcript block of docs/SERVE.md against a live server on examples/site: the "> " lines are
// typed (with CRLF, as telnet sends them), and the server must answer with exactly the other lines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, startStaticServer } from '../../src/web/server.js';
import { rawExchange } from './raw-client.js';

const DOC = fileURLToPath(new URL('../../docs/SERVE.md', import.meta.url));
const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

/** Lines telnet itself prints; they are not part of what the server sends. */
const TELNET_OWN =
  /^(\$ telnet |Trying |Connected to |Escape character is |Connection closed by foreign host\.$)/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

interface Transcript {
  typed: string[];
  expected: string[];
  closes: boolean;
}

function transcripts(markdown: string): Transcript[] {
  return [...markdown.matchAll(/```transcript\n([\s\S]*?)```/g)].map((m) => {
    const lines = m[1]!.replace(/\n$/, '').split('\n');
    const typed = lines.filter((l) => l === '>' || l.startsWith('> ')).map((l) => l.slice(2));
    const expected = lines.filter((l) => !(l === '>' || l.startsWith('> ')) && !TELNET_OWN.test(l));
    return { typed, expected, closes: lines.includes('Connection closed by foreign host.') };
  });
}

let server: StaticServer;
beforeAll(async () => {
  server = await startStaticServer({ root: SITE, port: 0 });
});
afterAll(async () => {
  await server?.stop();
});

const all = transcripts(readFileSync(DOC, 'utf8'));

describe('docs/SERVE.md transcripts', () => {
  it('has the sessions the guide promises', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.every((t) => t.closes)).toBe(true);
  });

  it.each(all.map((t, i) => [i + 1, t.typed[0], t] as const))(
    'transcript %i (%s) matches the server',
    async (_n, _first, t) => {
      const chunks = t.typed.map((line) => `${line}\r\n`);
      const got = (await rawExchange(server.port, chunks, { delayMs: 10 })).toString('utf8');
      const lines = got.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
      expect(lines.length, got).toBe(t.expected.length);
      t.expected.forEach((want, i) => {
        const header = /^(Date|Last-Modified): (.*)$/.exec(want);
        if (header) expect(lines[i]).toMatch(new RegExp(`^${header[1]}: `));
        if (header) expect(lines[i]!.slice(header[1]!.length + 2)).toMatch(HTTP_DATE);
        else expect(lines[i], `line ${i + 1}`).toBe(want);
      });
    },
  );
});
