import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidName, nameKey } from '../../src/text/names.js';
import {
  cursorKey,
  formatCursorValue,
  formatLogValue,
  formatPresenceValue,
  formatTurnValue,
  logKey,
  nameProblem,
  parseCursorValue,
  parseLogValue,
  parsePresenceValue,
  parseRoomKey,
  parseTurnValue,
  presenceKey,
  publicKeyKey,
  roomPrefix,
  seatKey,
  turnKey,
} from '../../src/imchat/keys.js';

const nameArb = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/).filter(isValidName);

describe('imchat key layout', () => {
  it('lays out a room under one prefix, cursors outside it', () => {
    expect(logKey('lobby', 'alice', 7)).toBe('imchat/lobby/log/alice/0000000007');
    expect(presenceKey('lobby', 'alice')).toBe('imchat/lobby/presence/alice');
    expect(seatKey('lobby', 2)).toBe('imchat/lobby/seat/2');
    expect(turnKey('lobby')).toBe('imchat/lobby/turn');
    expect(cursorKey('lobby', 'alice').startsWith(roomPrefix('lobby'))).toBe(false);
  });

  it('sorts log keys in sequence order', () => {
    const keys = [1, 9, 10, 100, 2].map((n) => logKey('r', 'a', n));
    expect([...keys].sort()).toEqual([1, 2, 9, 10, 100].map((n) => logKey('r', 'a', n)));
  });

  it('parses what it lays out, and nothing else', () => {
    fc.assert(
      fc.property(nameArb, nameArb, fc.integer({ min: 1, max: 2 ** 40 }), (room, name, seq) => {
        const key = nameKey(name);
        expect(parseRoomKey(room, logKey(room, name, seq))).toEqual({ kind: 'log', name: key, seq });
        expect(parseRoomKey(room, presenceKey(room, name))).toEqual({ kind: 'presence', name: key });
        expect(parseRoomKey(room, turnKey(room))).toEqual({ kind: 'turn' });
        expect(parseRoomKey(room, seatKey(room, 1))).toEqual({ kind: 'seat', seat: 1 });
        expect(parseRoomKey(room, cursorKey(room, name))).toBeUndefined();
      }),
    );
    for (const bad of [
      'imchat/r/log/a/0',
      'imchat/r/log/a/x1',
      'imchat/r/log/a b/1',
      'imchat/r/seat/3',
      'imchat/r/turn/x',
      'imchat/other/turn',
      'imchat/r/presence/a/b',
      // Written by clients older than the case-insensitive rule: not part of the layout any more.
      'imchat/r/presence/Alice',
      'imchat/r/log/Alice/0000000001',
    ])
      expect(parseRoomKey('r', bad)).toBeUndefined();
  });

  it('spells names and rooms in keys without their case, so ALICE and alice are one user', () => {
    expect(logKey('Lobby', 'ALICE', 1)).toBe(logKey('lobby', 'alice', 1));
    expect(presenceKey('Lobby', 'Alice')).toBe('imchat/lobby/presence/alice');
    expect(cursorKey('Lobby', 'Alice')).toBe('imchat-cursor/lobby/alice');
    expect(publicKeyKey('Alice')).toBe('imchat-keys/alice');
    expect(parseRoomKey('LOBBY', 'imchat/lobby/turn')).toEqual({ kind: 'turn' });
  });

  it('accepts the shared name rule only', () => {
    expect(nameProblem('name', 'alice_2-b')).toBeUndefined();
    expect(nameProblem('name', 'a.b')).toBeUndefined();
    for (const bad of ['', 'a/b', 'a b', 'x'.repeat(33), 'é', '../x', '.', '..', '-'])
      expect(nameProblem('name', bad)).toMatch(/not allowed/);
  });

  it('round-trips values and never throws on garbage from the store', () => {
    expect(parseLogValue(formatLogValue({ at: 5, text: 'hi\nthere' }))).toEqual({ at: 5, text: 'hi\nthere' });
    expect(parseLogValue(formatLogValue({ at: 5, text: 'x', turn: 3 }))).toEqual({
      at: 5,
      text: 'x',
      turn: 3,
    });
    expect(parsePresenceValue(formatPresenceValue({ session: 'ab', since: 1 }))).toEqual({
      session: 'ab',
      since: 1,
    });
    expect(parseTurnValue(formatTurnValue({ seat: 2, n: 41 }))).toEqual({ seat: 2, n: 41 });
    expect(parseCursorValue(formatCursorValue({ next: 3, revision: 99 }))).toEqual({ next: 3, revision: 99 });
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseLogValue(s);
        parsePresenceValue(s);
        parseTurnValue(s);
        parseCursorValue(s);
      }),
    );
    for (const bad of [
      '',
      'null',
      '[]',
      '{"at":-1,"text":"x"}',
      '{"at":1}',
      '{"at":1,"text":"x","turn":"2"}',
    ])
      expect(parseLogValue(bad)).toBeUndefined();
    expect(parseTurnValue('3 1')).toBeUndefined();
  });
});
