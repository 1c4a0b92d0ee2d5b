import { describe, expect, it } from 'vitest';
import { type ClientId, type Outcome, Room, type RoomLimits } from '../../src/chat/room.js';

/** Who receives what from one outcome, as client -> lines. */
function received(outcome: Outcome): Map<ClientId, string[]> {
  const map = new Map<ClientId, string[]>();
  for (const d of outcome.deliveries) for (const id of d.to) map.set(id, [...(map.get(id) ?? []), d.line]);
  return map;
}

function roomWith(...names: string[]): Room {
  return limitedRoomWith({}, ...names);
}

function limitedRoomWith(limits: Partial<RoomLimits>, ...names: string[]): Room {
  const room = new Room(limits);
  for (const [i, name] of names.entries()) {
    expect(room.handleLine(i + 1, `REGISTER ${name}`).reply).toBe(`OK REGISTERED ${name}`);
  }
  return room;
}

describe('Room', () => {
  it('registers unique names ignoring case and tells the others', () => {
    const room = roomWith('alice');
    const bob = room.handleLine(2, 'register bob');
    expect(bob.reply).toBe('OK REGISTERED bob');
    expect(received(bob)).toEqual(new Map([[1, ['JOINED bob']]]));
    expect(room.handleLine(3, 'REGISTER ALICE').reply).toMatch(/^ERROR NAME_TAKEN /);
    expect(room.handleLine(3, 'REGISTER no/slash').reply).toMatch(/^ERROR BAD_NAME /);
    expect(room.handleLine(3, `REGISTER ${'x'.repeat(33)}`).reply).toMatch(/^ERROR BAD_NAME /);
    expect(room.userCount).toBe(2);
  });

  it('renames on a second REGISTER and frees the old name', () => {
    const room = roomWith('alice', 'bob');
    const r = room.handleLine(2, 'REGISTER rob');
    expect(r.reply).toBe('OK RENAMED bob rob');
    expect(received(r)).toEqual(new Map([[1, ['RENAMED bob rob']]]));
    expect(room.handleLine(3, 'REGISTER bob').reply).toBe('OK REGISTERED bob');
    expect(room.handleLine(2, 'REGISTER ROB').reply).toBe('OK RENAMED rob ROB');
    expect(room.handleLine(2, 'REGISTER ROB').reply).toBe('OK REGISTERED ROB');
  });

  it('allows only REGISTER, USERS, HELP, PING and QUIT before a name', () => {
    const room = new Room();
    for (const line of ['MESSAGE hi', 'PRIVATE a hi', 'JOIN g', 'LEAVE g', 'GROUP g hi', 'GROUPS', 'MESSAGE'])
      expect(room.handleLine(1, line).reply).toMatch(/^ERROR NOT_REGISTERED /);
    expect(room.handleLine(1, 'USERS').reply).toBe('OK USERS 0');
    expect(room.handleLine(1, 'PING x y').reply).toBe('OK PONG x y');
    expect(room.handleLine(1, 'HELP').reply).toMatch(/^OK HELP commands: REGISTER MESSAGE PRIVATE/);
    expect(room.handleLine(1, 'QUIT').close).toBe(true);
  });

  it('broadcasts stamped with the sender to everyone else registered', () => {
    const room = roomWith('alice', 'bob', 'carol');
    room.connect(9); // connected but unregistered: hears nothing
    const r = room.handleLine(1, 'MESSAGE hello \u001b[2Jworld');
    expect(r.reply).toBe('OK SENT 2');
    expect(received(r)).toEqual(
      new Map([
        [2, ['MESSAGE alice hello world']],
        [3, ['MESSAGE alice hello world']],
      ]),
    );
  });

  it('sends PRIVATE to all listed or to nobody', () => {
    const room = roomWith('alice', 'bob', 'carol');
    const r = room.handleLine(1, 'PRIVATE bob,CAROL,bob psst');
    expect(r.reply).toBe('OK SENT 2');
    expect(received(r)).toEqual(
      new Map([
        [2, ['PRIVATE alice psst']],
        [3, ['PRIVATE alice psst']],
      ]),
    );
    const partial = room.handleLine(1, 'PRIVATE bob,dave,eve psst');
    expect(partial.reply).toBe(
      'ERROR NO_SUCH_USER no such user: "dave", "eve" (nothing was sent; type USERS)',
    );
    expect(partial.deliveries).toEqual([]);
    expect(room.handleLine(1, 'PRIVATE , x').reply).toMatch(/^ERROR BAD_ARGUMENTS/);
  });

  it('lists users sorted', () => {
    const room = roomWith('carol', 'Alice', 'bob');
    expect(room.handleLine(1, 'USERS').reply).toBe('OK USERS 3 Alice bob carol');
  });

  it('creates groups on join, routes to members, and drops them when empty', () => {
    const room = roomWith('alice', 'bob', 'carol');
    expect(room.handleLine(1, 'JOIN Dev').reply).toBe('OK JOINED Dev');
    const bobJoins = room.handleLine(2, 'join dev');
    expect(bobJoins.reply).toBe('OK JOINED Dev');
    expect(received(bobJoins)).toEqual(new Map([[1, ['JOINED bob Dev']]]));
    expect(room.handleLine(2, 'JOIN dev').reply).toMatch(/^ERROR ALREADY_MEMBER /);
    expect(room.handleLine(1, 'GROUPS').reply).toBe('OK GROUPS 1 Dev:2');
    const said = room.handleLine(1, 'GROUP dev ship it');
    expect(said.reply).toBe('OK SENT 1');
    expect(received(said)).toEqual(new Map([[2, ['GROUP Dev alice ship it']]]));
    expect(room.handleLine(3, 'GROUP dev hi').reply).toMatch(/^ERROR NOT_MEMBER /);
    expect(room.handleLine(3, 'GROUP nope hi').reply).toMatch(/^ERROR NO_SUCH_GROUP /);
    expect(room.handleLine(3, 'LEAVE dev').reply).toMatch(/^ERROR NOT_MEMBER /);
    expect(room.handleLine(3, 'JOIN bad/name').reply).toMatch(/^ERROR BAD_GROUP /);
    const left = room.handleLine(1, 'LEAVE DEV');
    expect(left.reply).toBe('OK LEFT Dev');
    expect(received(left)).toEqual(new Map([[2, ['LEFT alice Dev']]]));
    expect(room.handleLine(2, 'LEAVE dev').reply).toBe('OK LEFT Dev');
    expect(room.groupCount).toBe(0);
    expect(room.handleLine(1, 'GROUPS').reply).toBe('OK GROUPS 0');
  });

  it('frees the name and groups of a disconnected client and tells the others', () => {
    const room = roomWith('alice', 'bob');
    room.handleLine(2, 'JOIN g');
    expect(room.disconnect(2)).toEqual([{ to: [1], line: 'LEFT bob' }]);
    expect(room.groupCount).toBe(0);
    expect(room.userCount).toBe(1);
    expect(room.clientCount).toBe(1);
    expect(room.handleLine(3, 'REGISTER bob').reply).toBe('OK REGISTERED bob');
    expect(room.disconnect(42)).toEqual([]);
  });

  it('answers HELP from the table and unknown verbs with a hint', () => {
    const room = new Room();
    expect(room.handleLine(1, 'help private').reply).toBe(
      'OK HELP PRIVATE <name[,name...]> <text>: send text to one user or a list; they receive PRIVATE <from> <text>; all names must exist (after REGISTER)',
    );
    expect(room.handleLine(1, 'HELP fly').reply).toMatch(/^ERROR UNKNOWN_COMMAND /);
    expect(room.handleLine(1, 'DANCE').reply).toBe(
      'ERROR UNKNOWN_COMMAND unknown command "DANCE" (type HELP)',
    );
  });

  it('lists users a page at a time, each page one reply, with the count of the rest', () => {
    const room = limitedRoomWith({ listLimit: 2 }, 'dan', 'Bea', 'al', 'cy', 'Eve');
    expect(room.handleLine(1, 'USERS').reply).toBe('OK USERS 5 al Bea +3');
    expect(room.handleLine(1, 'USERS bea').reply).toBe('OK USERS 5 cy dan +1');
    expect(room.handleLine(1, 'USERS dan').reply).toBe('OK USERS 5 Eve');
    expect(room.handleLine(1, 'USERS eve').reply).toBe('OK USERS 5');
    // Any word is a place to start: the names after it, ignoring case.
    expect(room.handleLine(1, 'USERS C').reply).toBe('OK USERS 5 cy dan +1');
    room.disconnect(3);
    expect(room.handleLine(1, 'USERS').reply).toBe('OK USERS 4 Bea cy +2');
  });

  it('lists groups a page at a time', () => {
    const room = limitedRoomWith({ listLimit: 2 }, 'ann', 'bob');
    for (const g of ['d', 'B', 'a', 'c']) room.handleLine(1, `JOIN ${g}`);
    room.handleLine(2, 'JOIN a');
    expect(room.handleLine(1, 'GROUPS').reply).toBe('OK GROUPS 4 a:2 B:1 +2');
    expect(room.handleLine(1, 'GROUPS b').reply).toBe('OK GROUPS 4 c:1 d:1');
    expect(room.handleLine(1, 'GROUPS a b').reply).toMatch(/^ERROR BAD_ARGUMENTS too many arguments/);
  });

  it('caps the groups one user may be in, and the groups of the whole chat', () => {
    const room = limitedRoomWith({ maxGroupsPerUser: 2, maxGroups: 3 }, 'ann', 'bob');
    expect(room.handleLine(1, 'JOIN a').reply).toBe('OK JOINED a');
    expect(room.handleLine(1, 'JOIN b').reply).toBe('OK JOINED b');
    expect(room.handleLine(1, 'JOIN c').reply).toBe(
      'ERROR TOO_MANY_GROUPS you are in 2 groups, the most one user may be in; LEAVE one first',
    );
    expect(room.handleLine(2, 'JOIN c').reply).toBe('OK JOINED c');
    expect(room.handleLine(2, 'JOIN d').reply).toBe(
      'ERROR TOO_MANY_GROUPS the chat has 3 groups, the most it keeps; JOIN one that exists (type GROUPS)',
    );
    expect(room.handleLine(2, 'JOIN a').reply).toBe('OK JOINED a');
    expect(room.groupCount).toBe(3);
    // Leaving makes room again.
    expect(room.handleLine(1, 'LEAVE b').reply).toBe('OK LEFT b');
    expect(room.handleLine(1, 'JOIN c').reply).toBe('OK JOINED c');
    expect(() => new Room({ maxGroups: 0 })).toThrow(/maxGroups must be a positive integer/);
  });

  it('in a chat larger than presenceLimit, tells presence only to those who share a small group', () => {
    const room = limitedRoomWith({ presenceLimit: 3 }, 'ann', 'bob', 'cy');
    // Four registered: nobody shares a group with dan, so nobody is told one by one.
    const dan = room.handleLine(4, 'REGISTER dan');
    expect(dan.reply).toBe('OK REGISTERED dan');
    expect(dan.deliveries).toEqual([]);
    room.handleLine(1, 'JOIN g');
    expect(received(room.handleLine(2, 'JOIN g'))).toEqual(new Map([[1, ['JOINED bob g']]]));
    expect(received(room.handleLine(4, 'JOIN G'))).toEqual(
      new Map([
        [1, ['JOINED dan g']],
        [2, ['JOINED dan g']],
      ]),
    );
    room.handleLine(4, 'JOIN h');
    room.handleLine(1, 'JOIN h');
    // ann shares two groups with dan and hears the rename once; cy shares none.
    expect(received(room.handleLine(4, 'REGISTER dave'))).toEqual(
      new Map([
        [1, ['RENAMED dan dave']],
        [2, ['RENAMED dan dave']],
      ]),
    );
    // Leaving, dave's group mates hear it from each group they shared.
    expect(received({ reply: '', deliveries: room.disconnect(4) })).toEqual(
      new Map([
        [1, ['LEFT dave g', 'LEFT dave h']],
        [2, ['LEFT dave g']],
      ]),
    );
    // Three left: a small chat again, where everyone hears everything.
    expect(received({ reply: '', deliveries: room.disconnect(3) })).toEqual(
      new Map([
        [1, ['LEFT cy']],
        [2, ['LEFT cy']],
      ]),
    );
    expect(received(room.handleLine(5, 'REGISTER eve'))).toEqual(
      new Map([
        [1, ['JOINED eve']],
        [2, ['JOINED eve']],
      ]),
    );
  });

  it('does not tell the members of a group larger than presenceLimit who comes and goes', () => {
    const room = limitedRoomWith({ presenceLimit: 2 }, 'ann', 'bob');
    room.handleLine(1, 'JOIN g');
    expect(received(room.handleLine(2, 'JOIN g'))).toEqual(new Map([[1, ['JOINED bob g']]]));
    room.handleLine(3, 'REGISTER cy');
    expect(room.handleLine(3, 'JOIN g').deliveries).toEqual([]);
    expect(room.handleLine(3, 'LEAVE g').deliveries).toEqual([]);
    expect(received(room.handleLine(2, 'LEAVE g'))).toEqual(new Map([[1, ['LEFT bob g']]]));
    // A group the leaver shared only when it was large tells nobody when the leaver disconnects.
    room.handleLine(2, 'JOIN g');
    room.handleLine(3, 'JOIN g');
    expect(room.disconnect(3)).toEqual([]);
  });

  it('sends presence lines in proportion to the users, not their square, when 10,000 come and go', () => {
    const room = new Room(); // the defaults: presenceLimit 500, listLimit 100
    const count = (deliveries: readonly { to: readonly ClientId[] }[]) =>
      deliveries.reduce((sum, d) => sum + d.to.length, 0);
    let lines = 0;
    for (let i = 1; i <= 10_000; i++) lines += count(room.handleLine(i, `REGISTER u${i}`).deliveries);
    // Only the first 500 arrivals are news, each to those already there: 0 + 1 + ... + 499.
    expect(lines).toBe((500 * 499) / 2);
    const users = room.handleLine(1, 'USERS').reply;
    expect(users).toMatch(/^OK USERS 10000 u1 u10 u100 u1000 u10000 u1001 .* \+9900$/);
    expect(users.split(' ')).toHaveLength(3 + 100 + 1);
    lines = 0;
    for (let i = 1; i <= 10_000; i++) lines += count(room.disconnect(i));
    expect(lines).toBe((500 * 499) / 2);
    expect(room.userCount).toBe(0);
  });
});
