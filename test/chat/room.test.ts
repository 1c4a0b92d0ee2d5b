import { describe, expect, it } from 'vitest';
import { type ClientId, type Outcome, Room } from '../../src/chat/room.js';

/** Who receives what from one outcome, as client -> lines. */
function received(outcome: Outcome): Map<ClientId, string[]> {
  const map = new Map<ClientId, string[]>();
  for (const d of outcome.deliveries) for (const id of d.to) map.set(id, [...(map.get(id) ?? []), d.line]);
  return map;
}

function roomWith(...names: string[]): Room {
  const room = new Room();
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
});
