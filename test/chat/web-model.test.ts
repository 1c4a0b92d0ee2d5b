// The web page's state without a browser: conversations, unread counts, confirmation of our own lines, and the
// parsing of list replies (the page shares the server's line parser; these are the page's own bits).
import { describe, expect, it } from 'vitest';
import { parseServerLine, type Reply } from '../../src/chat/protocol.js';
import { MAX_RETRY_MS, retryDelay } from '../../src/chat/web/page/backoff.js';
import {
  ChatModel,
  commandFor,
  MAX_MESSAGES,
  parseGroupsReply,
  parseUsersReply,
} from '../../src/chat/web/page/model.js';

function reply(line: string): Reply {
  const parsed = parseServerLine(line);
  if (parsed.kind !== 'reply') throw new Error(`not a reply: ${line}`);
  return parsed.reply;
}

function event(model: ChatModel, line: string) {
  const parsed = parseServerLine(line);
  if (parsed.kind !== 'event') throw new Error(`not an event: ${line}`);
  return model.applyEvent(parsed.event);
}

describe('the web page model', () => {
  it('reads the USERS and GROUPS replies', () => {
    expect(parseUsersReply(reply('OK USERS 2 ada bob').text)).toEqual({ entries: ['ada', 'bob'], more: 0 });
    expect(parseUsersReply(reply('OK USERS 0').text)).toEqual({ entries: [], more: 0 });
    expect(parseUsersReply(reply('OK USERS 250 ada al kim +150').text)).toEqual({
      entries: ['ada', 'al', 'kim'],
      more: 150,
    });
    expect(parseGroupsReply(reply('OK GROUPS 3 Devs:3 ops:1 +1').text)).toEqual({
      entries: [
        { name: 'Devs', members: 3 },
        { name: 'ops', members: 1 },
      ],
      more: 1,
    });
    expect(parseGroupsReply(reply('OK PONG').text)).toBeUndefined();
  });

  it('turns a conversation into the command that reaches it', () => {
    expect(commandFor({ kind: 'all', name: 'Everyone' }, 'hi')).toBe('MESSAGE hi');
    expect(commandFor({ kind: 'user', name: 'bob' }, 'hi')).toBe('PRIVATE bob hi');
    expect(commandFor({ kind: 'group', name: 'Devs' }, 'hi')).toBe('GROUP Devs hi');
  });

  it('counts unread messages per conversation until it is chosen', () => {
    const model = new ChatModel();
    model.registered('ada');
    model.setUsers(['ada', 'bob']);
    expect(model.sortedUsers()).toEqual(['bob']);
    event(model, 'PRIVATE bob psst');
    event(model, 'PRIVATE bob again');
    event(model, 'MESSAGE bob to all');
    event(model, 'JOINED cyd');
    const withBob = model.conversation('user', 'BOB');
    expect(withBob.unread).toBe(2);
    expect(model.conversation('all', 'Everyone').unread).toBe(0);
    expect(model.conversation('all', 'Everyone').messages.map((m) => [m.from, m.text])).toEqual([
      ['bob', 'to all'],
      [undefined, 'cyd joined'],
    ]);
    model.select(withBob.key);
    expect(withBob.unread).toBe(0);
    event(model, 'PRIVATE bob seen at once');
    expect(withBob.unread).toBe(0);
    event(model, 'RENAMED bob rob');
    expect(model.current.name).toBe('rob');
    expect(model.sortedUsers()).toEqual(['cyd', 'rob']);
  });

  it('shows our lines as sending until the server answers, and failed if the connection went first', () => {
    const model = new ChatModel();
    model.registered('ada');
    const all = model.current;
    const ok = model.addOwn(all, 'one');
    const refused = model.addOwn(all, 'two');
    const lost = model.addOwn(all, 'three');
    expect([ok.state, refused.state, lost.state]).toEqual(['sending', 'sending', 'sending']);
    model.confirm(ok, reply('OK SENT 1'));
    model.confirm(refused, reply('ERROR NOT_MEMBER join Devs first: JOIN Devs'));
    model.lost(lost);
    model.lost(ok);
    expect(ok.state).toBe('sent');
    expect(refused).toMatchObject({ state: 'failed', problem: 'join Devs first: JOIN Devs' });
    expect(lost).toMatchObject({ state: 'failed', problem: 'not confirmed: the connection was lost' });
  });

  it('keeps group membership across a fresh list, and a bounded history', () => {
    const model = new ChatModel();
    model.registered('ada');
    model.joinedGroup('Devs');
    model.setGroups([
      { name: 'Devs', members: 2 },
      { name: 'ops', members: 1 },
    ]);
    expect(model.sortedGroups()).toEqual([
      { name: 'Devs', members: 2, joined: true },
      { name: 'ops', members: 1, joined: false },
    ]);
    expect(model.joinedGroups()).toEqual(['Devs']);
    for (let i = 0; i < MAX_MESSAGES + 10; i++) event(model, `GROUP Devs bob ${i}`);
    const devs = model.conversation('group', 'devs');
    expect(devs.messages).toHaveLength(MAX_MESSAGES);
    expect(devs.messages[0]!.text).toBe('10');
  });

  it('retries sooner first, never beyond the cap', () => {
    expect(retryDelay(0, 0.5)).toBe(250);
    expect(retryDelay(1, 0.5)).toBe(500);
    expect(retryDelay(50, 0.999)).toBeLessThanOrEqual(MAX_RETRY_MS * 1.2);
    expect(retryDelay(50, 0)).toBeGreaterThanOrEqual(MAX_RETRY_MS * 0.8);
  });
});
