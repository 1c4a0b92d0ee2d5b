// What the web page knows, as plain data changed by the server's lines: who is here, which groups exist, the
// conversations with their messages and unread counts, and which of our own messages the server confirmed.
// No DOM and no socket here, so it is tested in Node.
import { type ChatEvent, nameKey, type Reply } from '../../protocol.js';

export type ConversationKind = 'all' | 'user' | 'group';

/** sending: no reply yet; sent: the server's OK came; failed: an ERROR came or the connection was lost first. */
export type MessageState = 'received' | 'sending' | 'sent' | 'failed';

export interface ChatMessage {
  id: number;
  /** Who wrote it; undefined for a notice (someone joined, left...). */
  from: string | undefined;
  text: string;
  state: MessageState;
  /** Why it failed, in words. */
  problem?: string;
}

export interface Conversation {
  key: string;
  kind: ConversationKind;
  /** The user's or group's name as the server spells it ("Everyone" for the broadcast). */
  name: string;
  messages: ChatMessage[];
  unread: number;
}

export interface GroupInfo {
  name: string;
  members: number;
  joined: boolean;
}

/** Messages kept per conversation; older ones are dropped so a long session stays light. */
export const MAX_MESSAGES = 500;

/** Users or groups the page lists at most (read a page at a time); a chat larger than that shows its first ones. */
export const MAX_LISTED = 1000;

export const EVERYONE = 'all';

export function conversationKey(kind: ConversationKind, name: string): string {
  return kind === 'all' ? EVERYONE : `${kind}:${nameKey(name)}`;
}

/** The wire command that sends `text` to a conversation. */
export function commandFor(conversation: Pick<Conversation, 'kind' | 'name'>, text: string): string {
  switch (conversation.kind) {
    case 'all':
      return `MESSAGE ${text}`;
    case 'user':
      return `PRIVATE ${conversation.name} ${text}`;
    case 'group':
      return `GROUP ${conversation.name} ${text}`;
  }
}

/** One page of a USERS or GROUPS reply: its entries, and how many more follow (`+<more>` as the last word). */
export interface ListPage<T> {
  entries: T[];
  more: number;
}

/** Splits `<VERB> <n> <entry>... [+<more>]`; undefined if the reply is not of that verb. */
function listWords(text: string, verb: string): ListPage<string> | undefined {
  const words = text.split(' ').filter((w) => w !== '');
  if (words[0] !== verb) return undefined;
  const entries = words.slice(2);
  const last = entries.at(-1);
  // A name never starts with "+", so a last word that does counts the entries after this page.
  if (last?.startsWith('+')) {
    entries.pop();
    const more = Number.parseInt(last.slice(1), 10);
    return { entries, more: Number.isFinite(more) ? more : 0 };
  }
  return { entries, more: 0 };
}

/** The names in `OK USERS <n> <name>... [+<more>]`. */
export function parseUsersReply(text: string): ListPage<string> | undefined {
  return listWords(text, 'USERS');
}

/** The groups in `OK GROUPS <n> <group>:<members>... [+<more>]`. */
export function parseGroupsReply(text: string): ListPage<{ name: string; members: number }> | undefined {
  const page = listWords(text, 'GROUPS');
  if (!page) return undefined;
  const entries: Array<{ name: string; members: number }> = [];
  for (const word of page.entries) {
    const colon = word.lastIndexOf(':');
    const name = colon < 0 ? word : word.slice(0, colon);
    const members = colon < 0 ? 0 : Number.parseInt(word.slice(colon + 1), 10);
    if (name !== '') entries.push({ name, members: Number.isFinite(members) ? members : 0 });
  }
  return { entries, more: page.more };
}

export class ChatModel {
  /** Our registered name, once the server confirmed it. */
  me: string | undefined;
  readonly users = new Map<string, string>();
  readonly groups = new Map<string, GroupInfo>();
  readonly conversations = new Map<string, Conversation>();
  selected: string = EVERYONE;
  private nextId = 1;

  constructor() {
    this.conversation('all', 'Everyone');
  }

  get current(): Conversation {
    return this.conversations.get(this.selected) ?? this.conversation('all', 'Everyone');
  }

  /** The conversation with a user or group, made on first use. */
  conversation(kind: ConversationKind, name: string): Conversation {
    const key = conversationKey(kind, name);
    let found = this.conversations.get(key);
    if (!found) {
      found = { key, kind, name, messages: [], unread: 0 };
      this.conversations.set(key, found);
    }
    return found;
  }

  select(key: string): void {
    const conversation = this.conversations.get(key);
    if (!conversation) return;
    this.selected = key;
    conversation.unread = 0;
  }

  sortedUsers(): string[] {
    return [...this.users.values()].sort((a, b) => nameKey(a).localeCompare(nameKey(b)));
  }

  sortedGroups(): GroupInfo[] {
    return [...this.groups.values()].sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)));
  }

  registered(name: string): void {
    this.me = name;
    this.users.delete(nameKey(name));
  }

  setUsers(names: readonly string[]): void {
    this.users.clear();
    for (const name of names)
      if (this.me === undefined || nameKey(name) !== nameKey(this.me)) this.addUser(name);
  }

  setGroups(list: ReadonlyArray<{ name: string; members: number }>): void {
    const joined = new Set([...this.groups.values()].filter((g) => g.joined).map((g) => nameKey(g.name)));
    this.groups.clear();
    for (const { name, members } of list) {
      this.groups.set(nameKey(name), { name, members, joined: joined.has(nameKey(name)) });
    }
  }

  /** Our own JOIN or LEAVE was confirmed (the server's spelling of the group). */
  joinedGroup(name: string): void {
    const key = nameKey(name);
    const group = this.groups.get(key);
    if (group) {
      if (!group.joined) group.members++;
      group.joined = true;
      group.name = name;
    } else this.groups.set(key, { name, members: 1, joined: true });
    this.conversation('group', name).name = name;
  }

  leftGroup(name: string): void {
    const group = this.groups.get(nameKey(name));
    if (!group) return;
    group.joined = false;
    group.members--;
    if (group.members <= 0) this.groups.delete(nameKey(name));
  }

  joinedGroups(): string[] {
    return [...this.groups.values()].filter((g) => g.joined).map((g) => g.name);
  }

  /** Our own message, shown at once as not yet confirmed. */
  addOwn(conversation: Conversation, text: string): ChatMessage {
    const message: ChatMessage = { id: this.nextId++, from: this.me, text, state: 'sending' };
    this.append(conversation, message, false);
    return message;
  }

  /** The server's reply to one of our messages. */
  confirm(message: ChatMessage, reply: Reply): void {
    if (reply.ok) {
      message.state = 'sent';
      delete message.problem;
    } else {
      message.state = 'failed';
      message.problem = reply.text || reply.code || 'refused';
    }
  }

  /** The connection went before the server confirmed the message: it may or may not have been delivered. */
  lost(message: ChatMessage): void {
    if (message.state !== 'sending') return;
    message.state = 'failed';
    message.problem = 'not confirmed: the connection was lost';
  }

  /** Applies an event from the server; returns the conversation that got a message, if one did. */
  applyEvent(event: ChatEvent): Conversation | undefined {
    switch (event.type) {
      case 'MESSAGE':
        return this.receive(this.conversation('all', 'Everyone'), event.from, event.text);
      case 'PRIVATE':
        return this.receive(this.conversation('user', event.from), event.from, event.text);
      case 'GROUP':
        return this.receive(this.conversation('group', event.group), event.from, event.text);
      case 'JOINED':
        if (event.group !== undefined) {
          const group = this.groups.get(nameKey(event.group));
          if (group) group.members++;
          this.notice(this.conversation('group', event.group), `${event.name} joined ${event.group}`);
        } else {
          this.addUser(event.name);
          this.notice(this.conversation('all', 'Everyone'), `${event.name} joined`);
        }
        return undefined;
      case 'LEFT':
        if (event.group !== undefined) {
          const group = this.groups.get(nameKey(event.group));
          if (group) group.members = Math.max(1, group.members - 1);
          this.notice(this.conversation('group', event.group), `${event.name} left ${event.group}`);
        } else {
          this.users.delete(nameKey(event.name));
          this.notice(this.conversation('all', 'Everyone'), `${event.name} left`);
        }
        return undefined;
      case 'RENAMED':
        this.rename(event.from, event.to);
        return undefined;
      case 'NOTICE':
        this.notice(this.conversation('all', 'Everyone'), event.text);
        return undefined;
      default:
        return undefined;
    }
  }

  private addUser(name: string): void {
    this.users.set(nameKey(name), name);
  }

  private rename(from: string, to: string): void {
    this.users.delete(nameKey(from));
    this.addUser(to);
    const oldKey = conversationKey('user', from);
    const conversation = this.conversations.get(oldKey);
    if (conversation) {
      this.conversations.delete(oldKey);
      conversation.key = conversationKey('user', to);
      conversation.name = to;
      this.conversations.set(conversation.key, conversation);
      if (this.selected === oldKey) this.selected = conversation.key;
    }
    this.notice(this.conversation('all', 'Everyone'), `${from} is now ${to}`);
  }

  private receive(conversation: Conversation, from: string, text: string): Conversation {
    this.append(conversation, { id: this.nextId++, from, text, state: 'received' }, true);
    return conversation;
  }

  private notice(conversation: Conversation, text: string): void {
    this.append(conversation, { id: this.nextId++, from: undefined, text, state: 'received' }, false);
  }

  private append(conversation: Conversation, message: ChatMessage, countsAsUnread: boolean): void {
    conversation.messages.push(message);
    if (conversation.messages.length > MAX_MESSAGES) conversation.messages.shift();
    if (countsAsUnread && conversation.key !== this.selected) conversation.unread++;
  }
}
