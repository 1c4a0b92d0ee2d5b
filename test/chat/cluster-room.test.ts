// The cluster's pure parts without Redis: the bus message codec, the view of the other nodes and its diff,
// and two ClusterRooms wired to each other by hand (what one publishes, the other applies).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClusterEvent,
  decodeBusMessage,
  encodeBusMessage,
  type UserRecord,
} from '../../src/chat/cluster/events.js';
import { ClusterRoom } from '../../src/chat/cluster/room.js';
import { RemoteView } from '../../src/chat/cluster/view.js';
import type { ClientId, Delivery, RoomLimits } from '../../src/chat/room.js';

describe('bus messages', () => {
  it('never throws on any text, and gives back what was encoded', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        decodeBusMessage(text);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        decodeBusMessage(JSON.stringify(value));
      }),
    );
    const events: ClusterEvent[] = [
      { t: 'joined', name: 'ada' },
      { t: 'renamed', from: 'ada', to: 'ida' },
      { t: 'private', from: 'ada', to: ['bob', 'cyd'], text: 'psst' },
      { t: 'group', group: 'Devs', from: 'ada', text: 'hi {"x":1}' },
      { t: 'sync' },
    ];
    for (const event of events) {
      expect(decodeBusMessage(encodeBusMessage({ node: 'n1', seq: 7, event }))).toEqual({
        node: 'n1',
        seq: 7,
        event,
      });
    }
    expect(decodeBusMessage('{"n":"n1","e":{"t":"message","from":"ada"}}')).toBeUndefined();
    expect(decodeBusMessage('{"n":"n1","q":-1,"e":{"t":"sync"}}')).toBeUndefined();
    expect(decodeBusMessage('{"n":"n1","e":{"t":"private","from":"a","to":[],"text":"x"}}')).toBeUndefined();
    // Nothing on the bus may break a client's line or pass escapes to its terminal.
    expect(decodeBusMessage('{"n":"n1","e":{"t":"joined","name":"x\\nOK SENT 9"}}')).toBeUndefined();
    expect(
      decodeBusMessage('{"n":"n1","e":{"t":"message","from":"ada","text":"a\\u001b[2Jb"}}'),
    ).toBeUndefined();
    expect(decodeBusMessage('{"n":"n1","e":{"t":"message","from":"ada","text":"fine"}}')).toBeDefined();
  });
});

describe('RemoteView.diff', () => {
  const record = (name: string, ...groups: string[]): [string, UserRecord] => [
    name.toLowerCase(),
    { name, groups },
  ];

  it('gives the events that turn what it knows of a node into a fresh snapshot', () => {
    const view = new RemoteView();
    view.addUser('n1', 'ada');
    view.join('ada', 'Devs');
    view.addUser('n1', 'bob');
    view.addUser('n2', 'cyd');
    const snapshot = new Map([record('Ada', 'ops'), record('dan', 'Devs')]);
    const events = view.diff('n1', snapshot);
    expect(events).toEqual([
      { t: 'left', name: 'bob' },
      { t: 'renamed', from: 'ada', to: 'Ada' },
      { t: 'leave', name: 'Ada', group: 'Devs' },
      { t: 'join', name: 'Ada', group: 'ops' },
      { t: 'joined', name: 'dan' },
      { t: 'join', name: 'dan', group: 'Devs' },
    ]);
    // Applied through a room, the view then holds exactly the snapshot (and n2 untouched).
    const room = new ClusterRoom();
    for (const [node, name] of [
      ['n1', 'ada'],
      ['n1', 'bob'],
      ['n2', 'cyd'],
    ] as const)
      room.applyRemote(node, { t: 'joined', name });
    room.applyRemote('n1', { t: 'join', name: 'ada', group: 'Devs' });
    room.syncNode('n1', snapshot);
    expect(room.remote.usersOf('n1').sort()).toEqual(['ada', 'dan']);
    expect([...(room.remote.user('ada')!.groups ?? [])]).toEqual(['ops']);
    expect(room.remote.user('cyd')?.node).toBe('n2');
    expect(room.listGroups().reply).toBe('OK GROUPS 2 Devs:1 ops:1');
  });
});

/** Two nodes' rooms; what one publishes the other applies at once (a bus that never fails). */
function pair(limits: Partial<RoomLimits> = {}) {
  const rooms = { a: new ClusterRoom(limits), b: new ClusterRoom(limits) };
  const seen: Record<'a' | 'b', Delivery[]> = { a: [], b: [] };
  let next = 1;
  const other = (side: 'a' | 'b') => (side === 'a' ? 'b' : 'a');
  const carry = (side: 'a' | 'b', events: ClusterEvent[] | undefined) => {
    for (const e of events ?? []) seen[other(side)].push(...rooms[other(side)].applyRemote(side, e));
  };
  const line = (side: 'a' | 'b', client: ClientId, text: string) => {
    rooms[side].connect(client);
    let out = rooms[side].handleLine(client, text);
    if (out.claim !== undefined) out = rooms[side].completeRegister(client, out.claim, true);
    // A new group's spelling: the bus never fails, so every claim is the first.
    if (out.claimGroup !== undefined) out = rooms[side].completeJoin(client, out.claimGroup, out.claimGroup);
    seen[side].push(...out.deliveries);
    carry(side, out.publish);
    return out.reply;
  };
  const client = (side: 'a' | 'b', name: string) => {
    const id = next++;
    expect(line(side, id, `REGISTER ${name}`)).toBe(`OK REGISTERED ${name}`);
    return id;
  };
  const leave = (side: 'a' | 'b', id: ClientId) => {
    const { deliveries, publish } = rooms[side].depart(id);
    seen[side].push(...deliveries);
    carry(side, publish);
  };
  const linesFor = (side: 'a' | 'b', id: ClientId) =>
    seen[side].filter((d) => d.to.includes(id)).map((d) => d.line);
  return { rooms, line, client, leave, linesFor };
}

describe('ClusterRoom', () => {
  it('routes messages, private and group messages and presence to the users of the other node', () => {
    const { line, client, leave, linesFor } = pair();
    const ada = client('a', 'ada');
    const bob = client('b', 'bob');
    expect(linesFor('a', ada)).toEqual(['JOINED bob']);
    expect(line('a', ada, 'MESSAGE hi')).toBe('OK SENT 1');
    expect(line('b', bob, 'PRIVATE ada,bob psst')).toBe('OK SENT 2');
    expect(line('b', bob, 'PRIVATE cyd psst')).toMatch(/^ERROR NO_SUCH_USER /);
    expect(line('a', ada, 'JOIN Devs')).toBe('OK JOINED Devs');
    expect(line('b', bob, 'GROUP devs x')).toBe('ERROR NOT_MEMBER join Devs first: JOIN Devs');
    expect(line('b', bob, 'JOIN devs')).toBe('OK JOINED Devs');
    expect(line('b', bob, 'GROUP devs hello')).toBe('OK SENT 1');
    expect(line('b', bob, 'USERS')).toBe('OK USERS 2 ada bob');
    expect(line('b', bob, 'GROUPS')).toBe('OK GROUPS 1 Devs:2');
    leave('a', ada);
    expect(linesFor('a', ada)).toEqual([
      'JOINED bob',
      'PRIVATE bob psst',
      'JOINED bob Devs',
      'GROUP Devs bob hello',
    ]);
    expect(linesFor('b', bob)).toEqual(['MESSAGE ada hi', 'PRIVATE bob psst', 'LEFT ada']);
    expect(line('b', bob, 'GROUPS')).toBe('OK GROUPS 1 Devs:1');
  });

  it('applies the presence rules to the whole chat, counted over both nodes', () => {
    const { line, client, leave, linesFor } = pair({ presenceLimit: 2 });
    const ada = client('a', 'ada');
    const bob = client('b', 'bob');
    expect(linesFor('a', ada)).toEqual(['JOINED bob']);
    // The third user makes it a large chat: nobody hears the newcomer, on either node.
    client('b', 'cyd');
    expect(linesFor('a', ada)).toEqual(['JOINED bob']);
    line('a', ada, 'JOIN g');
    line('b', bob, 'JOIN g');
    expect(linesFor('a', ada)).toEqual(['JOINED bob', 'JOINED bob g']);
    // A group of at most 2 hears its members leave the chat, as LEFT <name> <group>.
    expect(line('b', bob, 'QUIT')).toBe('OK BYE');
    leave('b', bob);
    expect(linesFor('a', ada)).toEqual(['JOINED bob', 'JOINED bob g', 'LEFT bob g']);
  });

  it('acts alone while the link is down, and finds the others again when it is back', () => {
    const { rooms, line, client } = pair();
    const ada = client('a', 'ada');
    client('b', 'bob');
    rooms.a.setLinkUp(false);
    expect(line('a', ada, 'USERS')).toBe('OK USERS 1 ada');
    expect(line('a', ada, 'MESSAGE anyone?')).toBe('OK SENT 0');
    expect(line('a', ada, 'PRIVATE bob psst')).toMatch(/^ERROR NO_SUCH_USER /);
    rooms.a.setLinkUp(true);
    expect(line('a', ada, 'USERS')).toBe('OK USERS 2 ada bob');
  });

  it("claims a new group's spelling first, and spells it as the cluster answered", () => {
    const room = new ClusterRoom();
    room.connect(1);
    room.handleLine(1, 'REGISTER ada');
    room.completeRegister(1, 'ada', true);
    const out = room.handleLine(1, 'JOIN ops');
    expect(out).toMatchObject({ reply: '', claimGroup: 'ops' });
    // Another node claimed it first as "Ops": that is the group's name here too.
    const done = room.completeJoin(1, 'ops', 'Ops');
    expect(done.reply).toBe('OK JOINED Ops');
    expect(done.publish).toEqual([{ t: 'join', name: 'ada', group: 'Ops' }]);
    expect(room.handleLine(1, 'GROUPS').reply).toBe('OK GROUPS 1 Ops:1');
    // A group the node knows is not claimed again; with the link down, nothing is claimed.
    room.connect(2);
    room.handleLine(2, 'REGISTER bob');
    room.completeRegister(2, 'bob', true);
    expect(room.handleLine(2, 'JOIN OPS').reply).toBe('OK JOINED Ops');
    room.setLinkUp(false);
    expect(room.handleLine(2, 'JOIN Dev').reply).toBe('OK JOINED Dev');
  });

  it('holds a name being claimed: another client of the node cannot take it meanwhile', () => {
    const room = new ClusterRoom();
    room.connect(1);
    room.connect(2);
    const first = room.handleLine(1, 'REGISTER ada');
    expect(first.claim).toBe('ada');
    expect(room.handleLine(2, 'REGISTER ADA').reply).toMatch(/^ERROR NAME_TAKEN /);
    expect(room.completeRegister(1, 'ada', false).reply).toMatch(/^ERROR NAME_TAKEN /);
    const again = room.handleLine(2, 'REGISTER ada');
    expect(again.claim).toBe('ada');
    room.disconnect(2);
    // Granted after the client left: the name goes back to the cluster.
    expect(room.completeRegister(2, 'ada', true).release).toBe('ada');
  });
});
