// Replays every ```transcript block of docs/PROTOCOL.md against a live server, so the docs cannot drift.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/chat/commands.js';
import { usageOf } from '../../src/chat/protocol.js';
import { ChatServer, type ChatServerOptions } from '../../src/chat/server.js';
import { RawClient } from './raw-client.js';

const DOC = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

interface Transcript {
  title: string;
  options: ChatServerOptions;
  steps: Array<{ client: string; dir: '>' | '<'; line: string }>;
}

function transcripts(markdown: string): Transcript[] {
  const found: Transcript[] = [];
  const block = /^### (.+)$|^```transcript([^\n]*)\n([\s\S]*?)^```$/gm;
  let title = '';
  for (let m = block.exec(markdown); m; m = block.exec(markdown)) {
    if (m[1] !== undefined) {
      title = m[1];
      continue;
    }
    const options: Record<string, number> = {};
    for (const pair of m[2]!.trim().split(/\s+/).filter(Boolean)) {
      const [key, value] = pair.split('=') as [string, string];
      options[key] = Number(value);
    }
    const steps = m[3]!
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const s = /^([a-z]+)([<>]) (.*)$/.exec(l);
        if (!s) throw new Error(`cannot read transcript line: ${l}`);
        return { client: s[1]!, dir: s[2] as '>' | '<', line: s[3]! };
      });
    found.push({ title, options, steps });
  }
  return found;
}

const servers: ChatServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('docs/PROTOCOL.md', () => {
  const all = transcripts(DOC);

  it('has transcripts', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  for (const t of all) {
    it(`transcript "${t.title}" replays against a live server`, async () => {
      const server = new ChatServer(t.options);
      servers.push(server);
      const { port } = await server.start({ port: 0 });
      const connections = new Map<string, RawClient>();
      for (const step of t.steps) {
        let c = connections.get(step.client);
        if (!c) {
          c = await RawClient.connect(port);
          clients.push(c);
          connections.set(step.client, c);
        }
        if (step.dir === '>') {
          c.send(step.line);
        } else if (step.line === '(connection closed)') {
          await c.closed;
          expect(c.unread(), `${step.client} received more before the close`).toEqual([]);
        } else {
          expect(await c.next(5000), `${t.title}: ${step.client}< ${step.line}`).toBe(step.line);
        }
      }
      for (const [name, c] of connections)
        expect(c.unread(), `${name} received lines the transcript does not show`).toEqual([]);
    });
  }

  it('documents every command with its real usage', () => {
    for (const spec of Object.values(COMMANDS)) {
      const usage = usageOf(spec).replace(/^(\S+)/, '$1');
      expect(DOC, `usage of ${spec.verb}`).toContain(`\`${usage}\``);
    }
  });

  it('documents every error code the server can send', () => {
    const sources = ['room.ts', 'protocol.ts', 'server.ts'].map((f) =>
      readFileSync(new URL(`../../src/chat/${f}`, import.meta.url), 'utf8'),
    );
    const codes = new Set<string>(['LINE_TOO_LONG', 'INTERNAL']);
    for (const src of sources) {
      for (const m of src.matchAll(/(?:formatError|ProtocolError)\(\s*'([A-Z_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(10);
    for (const code of codes) expect(DOC, `error code ${code}`).toContain(`| \`${code}\` |`);
  });
});
