// The action table (src/store/actions.ts) is the one place an action is defined: the docs' action list, the
// parser's "unknown action" message, the read/write split and `plainwire kv`'s help must all say what it says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, STORE_ACTIONS } from '../../src/store/actions.js';
import { ApiError, parseRequest } from '../../src/store/api.js';
import { runCli } from '../helpers/cli.js';

const docs = readFileSync(new URL('../../docs/STORE-API.md', import.meta.url), 'utf8');
const limits = { maxValueBytes: 1024 };

describe('the store action table', () => {
  it('is the action list in docs/STORE-API.md, row for row', () => {
    const header = '| action | parameters | answer |';
    const start = docs.indexOf(header);
    expect(start).toBeGreaterThan(0);
    const after = docs.slice(start).split('\n').slice(2);
    // The rows up to the first that is not an action's (the page's "(none)" row).
    const rows = after.slice(
      0,
      after.findIndex((line) => !line.startsWith('| `')),
    );
    expect(rows).toEqual(
      STORE_ACTIONS.map((a) =>
        `| \`${a.name}\` | ${a.docs.params} | ${a.docs.answer} |`.replace('|  |', '| |'),
      ),
    );
  });

  it("drives the parser: each action parses, writes are the table's writes, others are unknown", () => {
    for (const action of STORE_ACTIONS) {
      const query = `action=${action.name}&key=k&value=v`.replace(
        action.name === 'watch' ? '&value=v' : '',
        '',
      );
      const parsed = parseRequest({ method: 'GET', path: '/', query }, limits);
      expect(parsed, action.name).not.toBeInstanceOf(ApiError);
      expect(parsed, action.name).toMatchObject({ op: { kind: action.name }, write: action.write });
    }
    const unknown = parseRequest({ method: 'GET', path: '/', query: 'action=fly' }, limits);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).message).toBe(`unknown action "fly": use one of ${ACTION_NAMES.join(', ')}`);
    expect(docs).toContain(`unknown action "fly": use one of ${ACTION_NAMES.join(', ')}`);
  });

  it("is kv's operations and its help", async () => {
    const help = await runCli(['kv', '--help']);
    expect(help.code).toBe(0);
    // Commander wraps the argument's description to the terminal width.
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(`one of: ${ACTION_NAMES.join(', ')}`);
    for (const { name, kv } of STORE_ACTIONS) {
      expect(help.stdout).toContain(`  ${name}${kv.args ? ` ${kv.args}` : ''}`);
      for (const line of kv.help) expect(help.stdout).toContain(line);
    }
  });
});

describe('ApiError', () => {
  it('is an Error with a stable code and the HTTP status', () => {
    const refused = parseRequest({ method: 'GET', path: '/', query: 'action=get' }, limits);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).toMatchObject({ name: 'ApiError', status: 400, code: 'BAD_REQUEST' });
    const big = parseRequest(
      { method: 'GET', path: '/', query: `action=set&key=k&value=${'x'.repeat(2000)}` },
      limits,
    );
    expect(big).toMatchObject({ status: 413, code: 'TOO_LARGE' });
    const method = parseRequest({ method: 'PATCH', path: '/', query: '' }, limits);
    expect(method).toMatchObject({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      headers: { Allow: 'GET, HEAD, POST' },
    });
    expect(new ApiError(503, 'stopping', { 'Retry-After': '1' })).toMatchObject({ code: 'UNAVAILABLE' });
    expect((refused as Error).stack).toContain('ApiError');
  });
});
