// The chat's state machine, free of sockets: names, groups and routing. It takes (client, line) and returns
// the reply for that client and the lines to deliver to others; the server only carries them out.
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
}

interface Member {
  name?: string;
  /** Keys of the groups this client is in; absent while there are none (most of a large chat). */
  groups?: Set<string>;
}

interface Group {
  /** The spelling of whoever created it. */
  name: string;
  members: Set<ClientId>;
}

const NONE: Delivery[] = [];

function reply(line: string, deliveries: Delivery[] = NONE): Outcome {
  return { reply: line, deliveries };
}

function event(to: ClientId[], e: ChatEvent): Delivery[] {
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
  private readonly members = new Map<ClientId, Member>();
  /** Registered clients by name key; its iteration order is registration order. */
  private readonly byName = new Map<string, ClientId>();
  private readonly groups = new Map<string, Group>();
  /** byName's keys sorted, kept until the next change (USERS pages through it). */
  private sortedNames: string[] | undefined;
  /** groups' keys sorted, kept until a group is created or vanishes. */
  private sortedGroups: string[] | undefined;

  /** Takes the limits it knows from `limits` (other fields are ignored; a missing one is its default). */
  constructor(limits: Partial<RoomLimits> = {}) {
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

  get userCount(): number {
    return this.byName.size;
  }

  get groupCount(): number {
    return this.groups.size;
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
  disconnect(client: ClientId): Delivery[] {
    const member = this.members.get(client);
    if (!member) return NONE;
    this.members.delete(client);
    const name = member.name;
    let news: Delivery[] = NONE;
    if (name !== undefined) {
      if (this.isLarge()) {
        // Those who share a small group with the leaver hear it from each group (before it is left).
        news = [];
        for (const key of member.groups ?? []) {
          const group = this.groups.get(key)!;
          if (group.members.size > this.limits.presenceLimit) continue;
          news.push(...event(this.othersIn(group, client), { type: 'LEFT', name, group: group.name }));
        }
      } else {
        news = event(this.registeredExcept(client), { type: 'LEFT', name });
      }
      this.byName.delete(nameKey(name));
      this.sortedNames = undefined;
    }
    for (const key of member.groups ?? []) this.removeFromGroup(key, client);
    return news;
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

  private registeredExcept(client: ClientId): ClientId[] {
    const to: ClientId[] = [];
    for (const id of this.byName.values()) if (id !== client) to.push(id);
    return to;
  }

  private othersIn(group: Group, client: ClientId): ClientId[] {
    const to: ClientId[] = [];
    for (const id of group.members) if (id !== client) to.push(id);
    return to;
  }

  /** More registered users than hear presence news one person at a time. */
  private isLarge(): boolean {
    return this.byName.size > this.limits.presenceLimit;
  }

  /**
   * Who hears news about this client for the whole chat (JOINED, LEFT, RENAMED): everyone else in a small
   * chat; in a large one, each member of the small groups it is in, once.
   */
  private presenceAudience(client: ClientId): ClientId[] {
    if (!this.isLarge()) return this.registeredExcept(client);
    const groups = this.members.get(client)?.groups;
    if (!groups) return [];
    const to = new Set<ClientId>();
    for (const key of groups) {
      const group = this.groups.get(key)!;
      if (group.members.size > this.limits.presenceLimit) continue;
      for (const id of group.members) if (id !== client) to.add(id);
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
    const holder = this.byName.get(key);
    if (holder !== undefined && holder !== client) {
      return reply(formatError('NAME_TAKEN', `${name} is taken; choose another name`));
    }
    const old = member.name;
    if (old === name) return reply(formatOk('REGISTERED', name));
    member.name = name;
    this.sortedNames = undefined;
    if (old === undefined) {
      this.byName.set(key, client);
      return reply(
        formatOk('REGISTERED', name),
        event(this.presenceAudience(client), { type: 'JOINED', name }),
      );
    }
    if (nameKey(old) !== key) {
      this.byName.delete(nameKey(old));
      this.byName.set(key, client);
    }
    return reply(
      formatOk('RENAMED', old, name),
      event(this.presenceAudience(client), { type: 'RENAMED', from: old, to: name }),
    );
  }

  broadcast(client: ClientId, text: string): Outcome {
    const from = this.nameOf(client)!;
    const to = this.registeredExcept(client);
    return reply(formatOk('SENT', to.length), event(to, { type: 'MESSAGE', from, text }));
  }

  sendPrivate(client: ClientId, list: string, text: string): Outcome {
    const from = this.nameOf(client)!;
    const to: ClientId[] = [];
    const seen = new Set<ClientId>();
    const missing: string[] = [];
    for (const name of list.split(',')) {
      if (name === '') continue;
      const id = isValidName(name) ? this.byName.get(nameKey(name)) : undefined;
      if (id === undefined) {
        missing.push(quoteInput(name, 32));
      } else if (!seen.has(id)) {
        seen.add(id);
        to.push(id);
      }
    }
    if (missing.length > 0) {
      return reply(
        formatError('NO_SUCH_USER', `no such user: ${missing.join(', ')} (nothing was sent; type USERS)`),
      );
    }
    if (to.length === 0)
      return reply(formatError('BAD_ARGUMENTS', 'no names given; usage: PRIVATE <name[,name...]> <text>'));
    return reply(formatOk('SENT', to.length), event(to, { type: 'PRIVATE', from, text }));
  }

  /** One page of the registered names, sorted ignoring case: `OK USERS <total> <name>... [+<more>]`. */
  listUsers(after?: string): Outcome {
    this.sortedNames ??= [...this.byName.keys()].sort(byKey);
    const { keys, more } = pageOf(this.sortedNames, after, this.limits.listLimit);
    const names = keys.map((key) => this.members.get(this.byName.get(key)!)!.name!);
    if (more > 0) names.push(`+${more}`);
    return reply(formatOk('USERS', this.byName.size, ...names));
  }

  join(client: ClientId, groupName: string): Outcome {
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
    if (!group) {
      if (this.groups.size >= maxGroups) {
        return reply(
          formatError(
            'TOO_MANY_GROUPS',
            `the chat has ${maxGroups} groups, the most it keeps; JOIN one that exists (type GROUPS)`,
          ),
        );
      }
      group = { name: groupName, members: new Set() };
      this.groups.set(key, group);
      this.sortedGroups = undefined;
    }
    // A large group would cost one line to every member per arrival: its members are not told one by one.
    const others = group.members.size < this.limits.presenceLimit ? [...group.members] : [];
    group.members.add(client);
    member.groups ??= new Set();
    member.groups.add(key);
    return reply(
      formatOk('JOINED', group.name),
      event(others, { type: 'JOINED', name: member.name!, group: group.name }),
    );
  }

  leave(client: ClientId, groupName: string): Outcome {
    const member = this.members.get(client)!;
    const key = nameKey(groupName);
    const group = this.groups.get(key);
    if (!group?.members.has(client)) {
      return reply(formatError('NOT_MEMBER', `you are not in ${quoteInput(groupName)} (type GROUPS)`));
    }
    const small = group.members.size <= this.limits.presenceLimit;
    member.groups!.delete(key);
    if (member.groups!.size === 0) member.groups = undefined;
    this.removeFromGroup(key, client);
    return reply(
      formatOk('LEFT', group.name),
      event(small ? [...group.members] : [], { type: 'LEFT', name: member.name!, group: group.name }),
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
    if (!group) return reply(formatError('NO_SUCH_GROUP', `no group ${quoteInput(groupName)} (type GROUPS)`));
    if (!group.members.has(client)) {
      return reply(formatError('NOT_MEMBER', `join ${group.name} first: JOIN ${group.name}`));
    }
    const from = this.nameOf(client)!;
    const to: ClientId[] = [];
    for (const id of group.members) if (id !== client) to.push(id);
    return reply(formatOk('SENT', to.length), event(to, { type: 'GROUP', group: group.name, from, text }));
  }

  /** One page of the groups, sorted ignoring case: `OK GROUPS <total> <group>:<members>... [+<more>]`. */
  listGroups(after?: string): Outcome {
    this.sortedGroups ??= [...this.groups.keys()].sort(byKey);
    const { keys, more } = pageOf(this.sortedGroups, after, this.limits.listLimit);
    const list = keys.map((key) => {
      const group = this.groups.get(key)!;
      return `${group.name}:${group.members.size}`;
    });
    if (more > 0) list.push(`+${more}`);
    return reply(formatOk('GROUPS', this.groups.size, ...list));
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
