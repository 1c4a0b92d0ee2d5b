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
  id: ClientId;
  name?: string;
  /** Keys of the groups this client is in. */
  groups: Set<string>;
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

export class Room {
  private readonly members = new Map<ClientId, Member>();
  /** Registered clients by name key; its iteration order is registration order. */
  private readonly byName = new Map<string, ClientId>();
  private readonly groups = new Map<string, Group>();

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
    if (!this.members.has(client)) this.members.set(client, { id: client, groups: new Set() });
  }

  /** The connection is gone: its name is freed, it leaves its groups, and everyone hears LEFT. */
  disconnect(client: ClientId): Delivery[] {
    const member = this.members.get(client);
    if (!member) return NONE;
    this.members.delete(client);
    for (const key of member.groups) this.removeFromGroup(key, client);
    if (member.name === undefined) return NONE;
    this.byName.delete(nameKey(member.name));
    return event(this.registeredExcept(client), { type: 'LEFT', name: member.name });
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
    if (old === undefined) {
      this.byName.set(key, client);
      return reply(
        formatOk('REGISTERED', name),
        event(this.registeredExcept(client), { type: 'JOINED', name }),
      );
    }
    if (nameKey(old) !== key) {
      this.byName.delete(nameKey(old));
      this.byName.set(key, client);
    }
    return reply(
      formatOk('RENAMED', old, name),
      event(this.registeredExcept(client), { type: 'RENAMED', from: old, to: name }),
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

  listUsers(): Outcome {
    const names: string[] = [];
    for (const id of this.byName.values()) names.push(this.members.get(id)!.name!);
    names.sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : 1));
    return reply(formatOk('USERS', names.length, ...names));
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
    if (!group) {
      group = { name: groupName, members: new Set() };
      this.groups.set(key, group);
    }
    const others = [...group.members];
    group.members.add(client);
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
    member.groups.delete(key);
    this.removeFromGroup(key, client);
    return reply(
      formatOk('LEFT', group.name),
      event([...group.members], { type: 'LEFT', name: member.name!, group: group.name }),
    );
  }

  private removeFromGroup(key: string, client: ClientId): void {
    const group = this.groups.get(key);
    if (!group) return;
    group.members.delete(client);
    if (group.members.size === 0) this.groups.delete(key);
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

  listGroups(): Outcome {
    const list = [...this.groups.values()]
      .sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1))
      .map((g) => `${g.name}:${g.members.size}`);
    return reply(formatOk('GROUPS', list.length, ...list));
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
