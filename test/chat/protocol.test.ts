import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VERBS } from '../../src/chat/commands.js';
import {
  formatEvent,
  isValidName,
  ProtocolError,
  parseCommand,
  parseServerLine,
  type ChatEvent,
} from '../../src/chat/protocol.js';
import { isTerminalSafe } from '../../src/text/sanitize.js';

describe('parseCommand', () => {
  it('accepts verbs in any case and splits word and text arguments', () => {
    const c = parseCommand('private  alice,bob   hello   there ');
    expect(c).not.toBeInstanceOf(ProtocolError);
    if (c instanceof ProtocolError) return;
    expect(c.verb).toBe('PRIVATE');
    expect(c.args).toEqual({ 'name[,name...]': 'alice,bob', text: 'hello   there' });
    expect(parseCommand('Register bob')).toMatchObject({ verb: 'REGISTER', args: { name: 'bob' } });
    expect(parseCommand('\tgroup\tg1\thi')).toMatchObject({
      verb: 'GROUP',
      args: { group: 'g1', text: 'hi' },
    });
  });

  it('leaves optional arguments out and reports missing and extra ones with the usage', () => {
    expect(parseCommand('PING')).toMatchObject({ verb: 'PING', args: {} });
    expect(parseCommand('ping abc 1')).toMatchObject({ args: { token: 'abc 1' } });
    const missing = parseCommand('REGISTER');
    expect(missing).toBeInstanceOf(ProtocolError);
    expect(missing).toMatchObject({ code: 'BAD_ARGUMENTS', text: 'name is missing; usage: REGISTER <name>' });
    expect(parseCommand('REGISTER a b')).toMatchObject({
      code: 'BAD_ARGUMENTS',
      text: expect.stringMatching(/too many/),
    });
    expect(parseCommand('USERS ann bob')).toMatchObject({ code: 'BAD_ARGUMENTS' });
    expect(parseCommand('MESSAGE    ')).toMatchObject({ code: 'BAD_ARGUMENTS' });
  });

  it('answers a bad line with a coded Error (stable code, message, stack), like the rest of the project', () => {
    const bad = parseCommand('REGISTER');
    expect(bad).toBeInstanceOf(Error);
    expect(bad).toBeInstanceOf(ProtocolError);
    const err = bad as ProtocolError;
    expect(err.name).toBe('ProtocolError');
    expect(err.code).toBe('BAD_ARGUMENTS');
    expect(err.message).toBe('name is missing; usage: REGISTER <name>');
    expect(err.text).toBe(err.message);
    expect(err.spec?.verb).toBe('REGISTER');
    expect(err.stack).toContain('ProtocolError');
    expect(String(parseCommand('FLY'))).toBe('ProtocolError: unknown command "FLY" (type HELP)');
  });

  it('names unknown verbs safely', () => {
    expect(parseCommand('FLY away')).toMatchObject({
      code: 'UNKNOWN_COMMAND',
      text: 'unknown command "FLY" (type HELP)',
    });
    const hostile = parseCommand('\u001b[2J\u001b]0;pwned\u0007X');
    expect(hostile).toBeInstanceOf(ProtocolError);
    expect(isTerminalSafe((hostile as ProtocolError).text)).toBe(true);
    expect(parseCommand('toString')).toMatchObject({ code: 'UNKNOWN_COMMAND' });
    expect(parseCommand('__proto__ x')).toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });

  it('strips control characters and escape sequences from text', () => {
    const c = parseCommand('MESSAGE hi \u001b[31mred\u001b[0m \u0007bell\u009b2J and\ttab\u0000');
    expect(c).toMatchObject({ args: { text: 'hi red bell and tab' } });
    expect(parseCommand('MESSAGE \u001b[31m\u0007')).toMatchObject({ code: 'BAD_ARGUMENTS' });
  });

  it('never throws on random input, and whatever it returns is terminal-safe text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
        const r = parseCommand(line);
        if (r instanceof ProtocolError) {
          expect(isTerminalSafe(r.text)).toBe(true);
        } else {
          expect(VERBS).toContain(r.verb);
          for (const arg of r.spec.args) {
            const v = r.args[arg.name];
            if (arg.kind === 'text' && v !== undefined) expect(isTerminalSafe(v)).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('names', () => {
  it('allows 1-32 letters, digits, _ - . with at least one letter or digit', () => {
    for (const ok of ['a', 'Bob_2', 'x.y-z', 'a'.repeat(32), '_7', '.a.']) expect(isValidName(ok)).toBe(true);
    for (const bad of ['', 'a b', 'a'.repeat(33), 'é', 'a,b', 'a\u0000', '.', '..', '-', '_', '-._'])
      expect(isValidName(bad)).toBe(false);
  });
});

describe('invisible text', () => {
  // Zero-width space, ZWNJ, ZWJ, word joiner, BOM, LRM, RLM, ALM, isolates, embeddings, soft hyphen, NBSP,
  // ideographic space, Hangul filler, variation selector, blank braille, a tag character.
  const invisible = [
    '\u200b',
    '\u200c\u200d',
    '\u2060',
    '\ufeff',
    '\u200e\u200f',
    '\u061c',
    '\u2066\u2067\u2068\u2069',
    '\u202a\u202c',
    '\u00ad',
    '\u00a0 \u3000',
    '\u3164',
    '\ufe0f',
    '\u2800',
    '\u{e0041}',
  ];

  it('refuses a text made only of invisible characters, like an empty one', () => {
    for (const verb of ['MESSAGE', 'PRIVATE bob', 'GROUP g']) {
      for (const text of invisible) {
        expect(parseCommand(`${verb} ${text}`), `${verb} ${JSON.stringify(text)}`).toMatchObject({
          code: 'BAD_ARGUMENTS',
          text: expect.stringMatching(/^text (has nothing visible|is missing)/),
        });
      }
    }
    expect(parseCommand(`MESSAGE ${invisible.join('')}`)).toMatchObject({ code: 'BAD_ARGUMENTS' });
    // An optional text that shows nothing is simply absent.
    expect(parseCommand('PING \u200b')).toMatchObject({ verb: 'PING', args: {} });
  });

  it('relays visible text that carries invisible characters, sanitised as before', () => {
    expect(parseCommand('MESSAGE hi\u200bthere')).toMatchObject({ args: { text: 'hi\u200bthere' } });
    expect(parseCommand('MESSAGE \u200d\u00e9')).toMatchObject({ args: { text: '\u200d\u00e9' } });
    expect(parseCommand('MESSAGE \u2066x\u2069')).toMatchObject({ args: { text: 'x' } });
  });
});

describe('server lines', () => {
  it('formats events that parse back to themselves', () => {
    const events: ChatEvent[] = [
      { type: 'MESSAGE', from: 'bob', text: 'hello there' },
      { type: 'PRIVATE', from: 'bob', text: 'psst' },
      { type: 'GROUP', group: 'g', from: 'bob', text: 'hi all' },
      { type: 'JOINED', name: 'bob' },
      { type: 'JOINED', name: 'bob', group: 'g' },
      { type: 'LEFT', name: 'bob' },
      { type: 'LEFT', name: 'bob', group: 'g' },
      { type: 'RENAMED', from: 'bob', to: 'rob' },
      { type: 'PING', token: '17' },
      { type: 'HELLO', text: 'plainwire chat' },
      { type: 'NOTICE', text: 'cluster link down: until it is back you reach only the users on this node' },
      { type: 'BYE', text: 'server stopping' },
    ];
    for (const e of events)
      expect(parseServerLine(formatEvent(e))).toEqual({ kind: 'event', event: e, line: formatEvent(e) });
  });

  it('splits replies into ok, code and text', () => {
    expect(parseServerLine('OK SENT 3')).toMatchObject({
      kind: 'reply',
      reply: { ok: true, text: 'SENT 3' },
    });
    expect(parseServerLine('ERROR NAME_TAKEN bob is taken')).toMatchObject({
      kind: 'reply',
      reply: { ok: false, code: 'NAME_TAKEN', text: 'bob is taken' },
    });
  });

  it('never throws on random server lines', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (line) => {
        expect(['reply', 'event', 'unknown']).toContain(parseServerLine(line).kind);
      }),
      { numRuns: 2000 },
    );
  });
});
