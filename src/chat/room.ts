// The chat's state machine, free of sockets: names, groups and routing. It takes (client, line) and returns
// the reply for that client and the lines to deliver to others; the server only carries them out. In a
// cluster it also says what to tell the other nodes, and turns what they tell it into local deliveries.
import type { ClusterEvent } from './cluster/events.js';
import { RemoteView } from './cluster/view.js';
import { COMMANDS, VERBS } from './commands.js';
import {
  type ChatEvent,
  formatError,
  formatEvent,
  formatOk,
  isValidName,
  NAME_RULE,
  nameKey,
  ProtocolError,
  parseCommand,
  quoteInput,
  usageOf,
} from './protocol.js';

export type ClientId = number;

/** The room's limits; each default is what `plainwire chat-server` uses unless told otherwise. */
export interface RoomLimits {
  /** Groups one client may be in at once (default 50). */
  maxGroupsPerUser: number;
  /** Groups the whole chat may have (default 10 000); JOIN of a new group beyond it is refused. */
  maxGroups: number;
  /** Names (USERS) or groups (GROUPS) in one reply (default 100); the rest come a page at a time. */
  listLimit: number;
  /**
   * The largest audience that hears presence news one person at a time (default 500). In a chat with more
   * registered users, JOINED/LEFT/RENAMED for the whole chat go only to the people who share a group of at
   * most this many members with that person; a group with more members gets no JOINED/LEFT of its own.
   */
  presenceLimit: number;
}

export const DEFAULT_ROOM_LIMITS: Readonly<RoomLimits> = Object.freeze({
  maxGroupsPerUser: 50,
  maxGroups: 10_000,
  listLimit: 100,
  presenceLimit: 500,
});

/** One line for several clients (a broadcast is one Delivery, not one per recipient). */
export interface Delivery {
  to: readonly ClientId[];
  line: string;
}

export interface Outcome {
  /** Exactly one reply line for the client that sent the command. */
  reply: string;
  deliveries: Delivery[];
  /** Close this client's connection after the reply (QUIT). */
  close?: boolean;
  /** For logs: the command's verb when the line named a known one. */
  verb?: string;
  /** In a cluster: what the other nodes must hear, in this order. */
  publish?: ClusterEvent[];
  /**
   * In a cluster: the name must first be claimed across the cluster. There is no reply yet: the server claims
   * it, then calls completeRegister with the answer, which gives the reply.
   */
  claim?: string;
  /**
   * In a cluster: a group new to the whole chat, whose spelling must first be claimed, so that two nodes
   * creating it at once agree on one. No reply yet: the server claims it, then calls completeJoin.
   */
  claimGroup?: string;
  /** In a cluster: a claim made for a client that has gone, to give back. */
  release?: string;
}

/** Room options beyond the limits. */
export interface RoomOptions {
  /** One node of a cluster: keep a view of the other nodes' users and say what to publish (default false). */
  cluster?: boolean;
}

export interface Member {
  name?: string;
  /** Keys of the groups this client is in; absent while there are none (most of a large chat). */
  groups?: Set<string>;
}

export interface Group {
  /** The spelling of whoever created it. */
  name: string;
  members: Set<ClientId>;
}

const NONE: Delivery[] = [];

function reply(line: string, deliveries: Delivery[] = NONE, publish?: ClusterEvent): Outcome {
  return publish ? { reply: line, deliveries, publish: [publish] } : { reply: line, deliveries };
}

export function event(to: ClientId[], e: ChatEvent): Delivery[] {
  return to.length === 0 ? NONE : [{ to, line: formatEvent(e) }];
}

/** Sorts name keys (lower-cased names: unique, so no two compare equal). */
function byKey(a: string, b: string): number {
  return a < b ? -1 : 1;
}

/**
 * One page of a sorted listing: the items after the key `after` (all of them without it), at most `limit`,
 * and how many come after the page.
 */
function pageOf(sortedKeys: readonly string[], after: string | undefined, limit: number) {
  let start = 0;
  if (after !== undefined) {
    const from = nameKey(after);
    let high = sortedKeys.length;
    while (start < high) {
      const mid = (start + high) >>> 1;
      if (sortedKeys[mid]! <= from) start = mid + 1;
      else high = mid;
    }
  }
  const keys = sortedKeys.slice(start, start + limit);
  return { keys, more: sortedKeys.length - start - keys.length };
}

export class Room {
  readonly limits: Readonly<RoomLimits>;
  protected readonly members = new Map<ClientId, Member>();
  /** Registered clients by name key; its iteration order is registration order. */
  protected readonly byName = new Map<string, ClientId>();
  protected readonly groups = new Map<string, Group>();
  /** byName's keys sorted, kept until the next change (USERS pages through it). */
  protected sortedNames: string[] | undefined;
  /** groups' keys sorted, kept until a group is created or vanishes. */
  protected sortedGroups: string[] | undefined;
  /** The other nodes' users, in a cluster. */
  readonly remote: RemoteView | undefined;
  /** False while the link to the other nodes is down: the room is on its own (the view waits for a resync). */
  private linkUp = true;
  /** Name keys being claimed across the cluster, and for whom: nobody else here may take them meanwhile. */
  private readonly claiming = new Map<string, ClientId>();

  /** Takes the limits it knows from `limits` (other fields are ignored; a missing one is its default). */
  constructor(limits: Partial<RoomLimits> = {}, options: RoomOptions = {}) {
    if (options.cluster) this.remote = new RemoteView();
    const chosen = { ...DEFAULT_ROOM_LIMITS };
    for (const key of Object.keys(chosen) as Array<keyof RoomLimits>) {
      const value = limits[key] ?? chosen[key];
      if (!(Number.isInteger(value) && value > 0))
        throw new RangeError(`${key} must be a positive integer, not ${value}`);
      chosen[key] = value;
    }
    this.limits = chosen;
  }

  get clientCount(): number {
    return this.members.size;
  }

  /** Registered users: here and, in a cluster whose link is up, on the other nodes. */
  get userCount(): number {
    return this.byName.size + (this.reach()?.userCount ?? 0);
  }

  /** Registered users of this node. */
  get localUserCount(): number {
    return this.byName.size;
  }

  get groupCount(): number {
    return this.remote ? this.sortedGroupKeys().length : this.groups.size;
  }

  /** The other nodes' view while the link is up; while it is down the room acts as a chat of its own. */
  protected reach(): RemoteView | undefined {
    return this.linkUp ? this.remote : undefined;
  }

  get clusterLinkUp(): boolean {
    return this.remote !== undefined && this.linkUp;
  }

  /**
   * The link to the other nodes went down or came back. Down, the others' users vanish from listings and
   * routing without LEFT news (they have not left; they cannot be reached); back, a resync brings the news.
   */
  setLinkUp(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    this.sortedNames = undefined;
    this.sortedGroups = undefined;
  }

  /** The client registered under this name here, if any. */
  clientByName(name: string): ClientId | undefined {
    return this.byName.get(nameKey(name));
  }

  /** Every registered client of this node. */
  registeredClients(): ClientId[] {
    return [...this.byName.values()];
  }

  nameOf(client: ClientId): string | undefined {
    return this.members.get(client)?.name;
  }

  /** True while someone holds this name (compared ignoring case). */
  hasName(name: string): boolean {
    return this.byName.has(nameKey(name));
  }

  /** A new connection: present, but not yet registered (and so invisible to others). */
  connect(client: ClientId): void {
    if (!this.members.has(client)) this.members.set(client, {});
  }

  /** The connection is gone: its name is freed, it leaves its groups, and everyone hears LEFT. */
  /** The connection is gone: its name is freed, it leaves its groups, and everyone hears LEFT. */
  disconnect(client: ClientId): Delivery[] {
    return this.depart(client).deliveries;
  }

  /** disconnect() with what the cluster must hear (LEFT) or get back (a claim still running). */
  depart(client: ClientId): Pick<Outcome, 'deliveries' | 'publish'> {
    const member = this.members.get(client);
    if (!member) return { deliveries: NONE };
    this.members.delete(client);
    const name = member.name;
    let news: Delivery[] = NONE;
    if (name !== undefined) {
      if (this.isLarge()) {
        // Those who share a small group with the leaver hear it from each group (before it is left).
        news = [];
        for (const key of member.groups ?? []) {
          if (this.groupSize(key) > this.limits.presenceLimit) continue;
          const group = this.groups.get(key)!;
          news.push(...event(this.othersIn(group, client), { type: 'LEFT', name, group: group.name }));
        }
      } else {
        news = event(this.registeredExcept(client), { type: 'LEFT', name });
      }
      this.byName.delete(nameKey(name));
      this.sortedNames = undefined;
    }
    for (const key of member.groups ?? []) this.removeFromGroup(key, client);
    const publish: ClusterEvent[] | undefined =
      this.remote && name !== undefined ? [{ t: 'left', name }] : undefined;
    return publish ? { deliveries: news, publish } : { deliveries: news };
  }

  /** Parses and runs one line from a client; always exactly one reply. */
  handleLine(client: ClientId, line: string): Outcome {
    this.connect(client);
    const command = parseCommand(line);
    if (command instanceof ProtocolError) {
      if (command.spec?.needsRegistration && !this.isRegistered(client))
        return this.notRegistered(command.spec.verb);
      return { ...reply(formatError(command.code, command.text)), verb: command.spec?.verb };
    }
    if (command.spec.needsRegistration && !this.isRegistered(client)) return this.notRegistered(command.verb);
    return { ...command.spec.run(this, client, command.args), verb: command.verb };
  }

  private notRegistered(verb: string): Outcome {
    return {
      ...reply(formatError('NOT_REGISTERED', `${verb} needs a name first: REGISTER <name>`)),
      verb,
    };
  }

  private isRegistered(client: ClientId): boolean {
    return this.members.get(client)?.name !== undefined;
  }

  protected registeredExcept(client: ClientId | undefined): ClientId[] {
    const to: ClientId[] = [];
    for (const id of this.byName.values()) if (id !== client) to.push(id);
    return to;
  }

  protected othersIn(group: Group | undefined, client: ClientId | undefined): ClientId[] {
    const to: ClientId[] = [];
    if (group) for (const id of group.members) if (id !== client) to.push(id);
    return to;
  }

  /** Members of a group across the cluster (those here and those the link reaches). */
  protected groupSize(key: string): number {
    return (this.groups.get(key)?.members.size ?? 0) + (this.reach()?.group(key)?.members.size ?? 0);
  }

  /** More registered users than hear presence news one person at a time. */
  protected isLarge(): boolean {
    return this.userCount > this.limits.presenceLimit;
  }

  /**
   * Who here hears news about a user for the whole chat (JOINED, LEFT, RENAMED): everyone else in a small
   * chat; in a large one, each local member of the small groups the user is in, once.
   */
  protected presenceAudience(client: ClientId | undefined, groups: Iterable<string> | undefined): ClientId[] {
    if (!this.isLarge()) return this.registeredExcept(client);
    if (!groups) return [];
    const to = new Set<ClientId>();
    for (const key of groups) {
      if (this.groupSize(key) > this.limits.presenceLimit) continue;
      for (const id of this.groups.get(key)?.members ?? []) if (id !== client) to.add(id);
    }
    return [...to];
  }

  // ---- command handlers (called from the table in commands.ts) ----

  register(client: ClientId, name: string): Outcome {
    if (!isValidName(name)) {
      return reply(formatError('BAD_NAME', `${quoteInput(name)} is not a valid name: use ${NAME_RULE}`));
    }
    const member = this.members.get(client)!;
    const key = nameKey(name);
    const holder = this.byName.get(key) ?? this.claiming.get(key);
    if (holder !== undefined && holder !== client) return this.nameTaken(name);
    const old = member.name;
    if (old === name) return reply(formatOk('REGISTERED', name));
    if (this.remote && this.linkUp && (old === undefined || nameKey(old) !== key)) {
      this.claiming.set(key, client);
      return { reply: '', deliveries: NONE, claim: name };
    }
    return this.takeName(client, name);
  }

  /**
   * The cluster's answer to a claim (see Outcome.claim): the reply to that REGISTER. A client that left
   * meanwhile gets nothing, and a granted name is given back.
   */
  completeRegister(client: ClientId, name: string, granted: boolean): Outcome {
    const key = nameKey(name);
    if (this.claiming.get(key) === client) this.claiming.delete(key);
    if (!this.members.has(client)) return granted ? { ...reply(''), release: name } : reply('');
    if (!granted) return this.nameTaken(name);
    // A dead node's user the view has not dropped yet: the cluster gave the name to us.
    this.remote?.removeUser(key);
    return this.takeName(client, name);
  }

  private nameTaken(name: string): Outcome {
    return reply(formatError('NAME_TAKEN', `${name} is taken; choose another name`));
  }

  private takeName(client: ClientId, name: string): Outcome {
    const member = this.members.get(client)!;
    const key = nameKey(name);
    const old = member.name;
    member.name = name;
    this.sortedNames = undefined;
    if (old === undefined) {
      this.byName.set(key, client);
      return reply(
        formatOk('REGISTERED', name),
        event(this.presenceAudience(client, member.groups), { type: 'JOINED', name }),
        this.remote && { t: 'joined', name },
      );
    }
    if (nameKey(old) !== key) {
      this.byName.delete(nameKey(old));
      this.byName.set(key, client);
    }
    return reply(
      formatOk('RENAMED', old, name),
      event(this.presenceAudience(client, member.groups), { type: 'RENAMED', from: old, to: name }),
      this.remote && { t: 'renamed', from: old, to: name },
    );
  }

  broadcast(client: ClientId, text: string): Outcome {
    const from = this.nameOf(client)!;
    const to = this.registeredExcept(client);
    const count = to.length + (this.reach()?.userCount ?? 0);
    return reply(
      formatOk('SENT', count),
      event(to, { type: 'MESSAGE', from, text }),
      this.remote && { t: 'message', from, text },
    );
  }

  sendPrivate(client: ClientId, list: string, text: string): Outcome {
    const from = this.nameOf(client)!;
    const to: ClientId[] = [];
    const remoteNames: string[] = [];
    const seen = new Set<string>();
    const missing: string[] = [];
    const remote = this.reach();
    for (const name of list.split(',')) {
      if (name === '') continue;
      const key = isValidName(name) ? nameKey(name) : undefined;
      const id = key === undefined ? undefined : this.byName.get(key);
      const elsewhere = key === undefined || id !== undefined ? undefined : remote?.user(key);
      if (id === undefined && elsewhere === undefined) {
        missing.push(quoteInput(name, 32));
      } else if (!seen.has(key!)) {
        seen.add(key!);
        if (id !== undefined) to.push(id);
        else remoteNames.push(elsewhere!.name);
      }
    }
    if (missing.length > 0) {
      return reply(
        formatError('NO_SUCH_USER', `no such user: ${missing.join(', ')} (nothing was sent; type USERS)`),
      );
    }
    if (seen.size === 0)
      return reply(formatError('BAD_ARGUMENTS', 'no names given; usage: PRIVATE <name[,name...]> <text>'));
    return reply(
      formatOk('SENT', seen.size),
      event(to, { type: 'PRIVATE', from, text }),
      remoteNames.length > 0 ? { t: 'private', from, to: remoteNames, text } : undefined,
    );
  }

  /** byName's keys and the reachable remote ones, sorted (kept until the next change). */
  private sortedNameKeys(): string[] {
    if (this.sortedNames) return this.sortedNames;
    const keys = [...this.byName.keys()];
    const remote = this.reach();
    if (remote) for (const key of remote.userKeys()) if (!this.byName.has(key)) keys.push(key);
    this.sortedNames = keys.sort(byKey);
    return this.sortedNames;
  }

  private sortedGroupKeys(): string[] {
    if (this.sortedGroups) return this.sortedGroups;
    const keys = [...this.groups.keys()];
    const remote = this.reach();
    if (remote) for (const key of remote.groupKeys()) if (!this.groups.has(key)) keys.push(key);
    this.sortedGroups = keys.sort(byKey);
    return this.sortedGroups;
  }

  /** One page of the registered names, sorted ignoring case: `OK USERS <total> <name>... [+<more>]`. */
  listUsers(after?: string): Outcome {
    const sorted = this.sortedNameKeys();
    const { keys, more } = pageOf(sorted, after, this.limits.listLimit);
    const names = keys.map((key) => {
      const id = this.byName.get(key);
      return id !== undefined ? this.members.get(id)!.name! : this.remote!.user(key)!.name;
    });
    if (more > 0) names.push(`+${more}`);
    return reply(formatOk('USERS', sorted.length, ...names));
  }

  private groupName(key: string): string | undefined {
    return this.groups.get(key)?.name ?? this.reach()?.group(key)?.name;
  }

  /** `claimed`: the spelling is the cluster's answer to a claim (completeJoin), not to be claimed again. */
  join(client: ClientId, groupName: string, claimed = false): Outcome {
    if (!isValidName(groupName)) {
      return reply(
        formatError('BAD_GROUP', `${quoteInput(groupName)} is not a valid group name: use ${NAME_RULE}`),
      );
    }
    const member = this.members.get(client)!;
    const key = nameKey(groupName);
    let group = this.groups.get(key);
    if (group?.members.has(client)) {
      return reply(formatError('ALREADY_MEMBER', `you are already in ${group.name}`));
    }
    const { maxGroupsPerUser, maxGroups } = this.limits;
    if ((member.groups?.size ?? 0) >= maxGroupsPerUser) {
      return reply(
        formatError(
          'TOO_MANY_GROUPS',
          `you are in ${maxGroupsPerUser} groups, the most one user may be in; LEAVE one first`,
        ),
      );
    }
    const size = this.groupSize(key);
    if (!group) {
      if (size === 0 && this.groupCount >= maxGroups) {
        return reply(
          formatError(
            'TOO_MANY_GROUPS',
            `the chat has ${maxGroups} groups, the most it keeps; JOIN one that exists (type GROUPS)`,
          ),
        );
      }
      if (size === 0 && this.remote && this.linkUp && !claimed) {
        return { reply: '', deliveries: NONE, claimGroup: groupName };
      }
      group = { name: this.groupName(key) ?? groupName, members: new Set() };
      this.groups.set(key, group);
      this.sortedGroups = undefined;
    }
    // A large group would cost one line to every member per arrival: its members are not told one by one.
    const others = size < this.limits.presenceLimit ? [...group.members] : [];
    group.members.add(client);
    member.groups ??= new Set();
    member.groups.add(key);
    return reply(
      formatOk('JOINED', group.name),
      event(others, { type: 'JOINED', name: member.name!, group: group.name }),
      this.remote && { t: 'join', name: member.name!, group: group.name },
    );
  }

  /**
   * The cluster's answer to a group's claim (see Outcome.claimGroup): the spelling the whole chat uses, or
   * undefined when the link could not ask (the group is spelt as typed, as on a node alone). A client that
   * left meanwhile gets nothing.
   */
  completeJoin(client: ClientId, typed: string, spelling: string | undefined): Outcome {
    if (!this.members.has(client)) return reply('');
    const name = spelling !== undefined && nameKey(spelling) === nameKey(typed) ? spelling : typed;
    return this.join(client, name, true);
  }

  leave(client: ClientId, groupName: string): Outcome {
    const member = this.members.get(client)!;
    const key = nameKey(groupName);
    const group = this.groups.get(key);
    if (!group?.members.has(client)) {
      return reply(formatError('NOT_MEMBER', `you are not in ${quoteInput(groupName)} (type GROUPS)`));
    }
    const small = this.groupSize(key) <= this.limits.presenceLimit;
    member.groups!.delete(key);
    if (member.groups!.size === 0) member.groups = undefined;
    this.removeFromGroup(key, client);
    return reply(
      formatOk('LEFT', group.name),
      event(small ? [...group.members] : [], { type: 'LEFT', name: member.name!, group: group.name }),
      this.remote && { t: 'leave', name: member.name!, group: group.name },
    );
  }

  private removeFromGroup(key: string, client: ClientId): void {
    const group = this.groups.get(key);
    if (!group) return;
    group.members.delete(client);
    if (group.members.size === 0) {
      this.groups.delete(key);
      this.sortedGroups = undefined;
    }
  }

  sendToGroup(client: ClientId, groupName: string, text: string): Outcome {
    const key = nameKey(groupName);
    const group = this.groups.get(key);
    if (!group) {
      const name = this.groupName(key);
      if (name === undefined)
        return reply(formatError('NO_SUCH_GROUP', `no group ${quoteInput(groupName)} (type GROUPS)`));
      return reply(formatError('NOT_MEMBER', `join ${name} first: JOIN ${name}`));
    }
    if (!group.members.has(client)) {
      return reply(formatError('NOT_MEMBER', `join ${group.name} first: JOIN ${group.name}`));
    }
    const from = this.nameOf(client)!;
    const to = this.othersIn(group, client);
    return reply(
      formatOk('SENT', this.groupSize(key) - 1),
      event(to, { type: 'GROUP', group: group.name, from, text }),
      this.remote && { t: 'group', group: group.name, from, text },
    );
  }

  /** One page of the groups, sorted ignoring case: `OK GROUPS <total> <group>:<members>... [+<more>]`. */
  listGroups(after?: string): Outcome {
    const sorted = this.sortedGroupKeys();
    const { keys, more } = pageOf(sorted, after, this.limits.listLimit);
    const list = keys.map((key) => `${this.groupName(key)}:${this.groupSize(key)}`);
    if (more > 0) list.push(`+${more}`);
    return reply(formatOk('GROUPS', sorted.length, ...list));
  }

  pong(token: string | undefined): Outcome {
    return reply(token === undefined ? formatOk('PONG') : formatOk('PONG', token));
  }

  help(verb: string | undefined): Outcome {
    if (verb === undefined) {
      return reply(formatOk('HELP', `commands: ${VERBS.join(' ')} (HELP <verb> describes one)`));
    }
    const spec = Object.hasOwn(COMMANDS, verb.toUpperCase()) ? COMMANDS[verb.toUpperCase()] : undefined;
    if (!spec)
      return reply(formatError('UNKNOWN_COMMAND', `unknown command ${quoteInput(verb, 20)} (type HELP)`));
    const note = spec.needsRegistration ? ' (after REGISTER)' : '';
    return reply(formatOk('HELP', `${usageOf(spec)}: ${spec.help}${note}`));
  }

  quit(_client: ClientId, _reason: string | undefined): Outcome {
    // Others hear LEFT from disconnect(), which the server calls as soon as it closes the connection.
    return { reply: formatOk('BYE'), deliveries: NONE, close: true };
  }
}
