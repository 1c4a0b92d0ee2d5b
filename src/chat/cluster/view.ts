// What one chat node knows of the users on the other nodes: their names, their groups and which node holds
// them. Pure data, kept by the Room from the cluster's events and snapshots; no sockets, no Redis.
import { nameKey } from '../../text/names.js';
import type { ClusterEvent, UserRecord } from './events.js';

export interface RemoteUser {
  node: string;
  name: string;
  /** Keys of its groups; absent while there are none (most users of a large chat). */
  groups?: Set<string>;
}

export interface RemoteGroup {
  /** The spelling the cluster first told us. */
  name: string;
  /** Name keys of its members on other nodes. */
  members: Set<string>;
}

export class RemoteView {
  private readonly users = new Map<string, RemoteUser>();
  private readonly groups = new Map<string, RemoteGroup>();
  private readonly byNode = new Map<string, Set<string>>();

  get userCount(): number {
    return this.users.size;
  }

  get nodeCount(): number {
    return this.byNode.size;
  }

  nodes(): string[] {
    return [...this.byNode.keys()];
  }

  user(key: string): RemoteUser | undefined {
    return this.users.get(key);
  }

  group(key: string): RemoteGroup | undefined {
    return this.groups.get(key);
  }

  userKeys(): IterableIterator<string> {
    return this.users.keys();
  }

  groupKeys(): IterableIterator<string> {
    return this.groups.keys();
  }

  usersOf(node: string): string[] {
    return [...(this.byNode.get(node) ?? [])];
  }

  /** Adds (or moves to `node`) a user; a key held by another node is replaced: the newest claim won. */
  addUser(node: string, name: string): RemoteUser {
    const key = nameKey(name);
    this.removeUser(key);
    const user: RemoteUser = { node, name };
    this.users.set(key, user);
    const keys = this.byNode.get(node) ?? new Set<string>();
    this.byNode.set(node, keys);
    keys.add(key);
    return user;
  }

  removeUser(key: string): RemoteUser | undefined {
    const user = this.users.get(key);
    if (!user) return undefined;
    for (const group of user.groups ?? []) this.removeMember(group, key);
    this.users.delete(key);
    const keys = this.byNode.get(user.node);
    keys?.delete(key);
    if (keys?.size === 0) this.byNode.delete(user.node);
    return user;
  }

  rename(from: string, to: string): void {
    const fromKey = nameKey(from);
    const user = this.users.get(fromKey);
    if (!user) return;
    const toKey = nameKey(to);
    if (toKey === fromKey) {
      user.name = to;
      return;
    }
    const groups = [...(user.groups ?? [])];
    this.removeUser(fromKey);
    this.addUser(user.node, to);
    for (const group of groups) this.join(toKey, this.groups.get(group)?.name ?? group);
  }

  /** Adds a user's membership; returns false when it was already there. */
  join(userKey: string, groupName: string): boolean {
    const user = this.users.get(userKey);
    const key = nameKey(groupName);
    if (!user || user.groups?.has(key)) return false;
    user.groups ??= new Set();
    user.groups.add(key);
    const group = this.groups.get(key) ?? { name: groupName, members: new Set<string>() };
    this.groups.set(key, group);
    group.members.add(userKey);
    return true;
  }

  leave(userKey: string, groupKey: string): boolean {
    const user = this.users.get(userKey);
    if (!user?.groups?.delete(groupKey)) return false;
    if (user.groups.size === 0) user.groups = undefined;
    this.removeMember(groupKey, userKey);
    return true;
  }

  private removeMember(groupKey: string, userKey: string): void {
    const group = this.groups.get(groupKey);
    if (!group) return;
    group.members.delete(userKey);
    if (group.members.size === 0) this.groups.delete(groupKey);
  }

  /**
   * The events that turn what this view holds for `node` into `records` (a fresh snapshot of its users from
   * Redis): LEFT for who is gone, JOINED and JOIN for who is new, JOIN/LEAVE for changed memberships.
   */
  diff(node: string, records: ReadonlyMap<string, UserRecord>): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    for (const key of this.usersOf(node)) {
      if (!records.has(key)) events.push({ t: 'left', name: this.users.get(key)!.name });
    }
    for (const [key, record] of records) {
      const user = this.users.get(key);
      if (!user || user.node !== node) {
        events.push({ t: 'joined', name: record.name });
        for (const group of record.groups) events.push({ t: 'join', name: record.name, group });
        continue;
      }
      if (user.name !== record.name) events.push({ t: 'renamed', from: user.name, to: record.name });
      const wanted = new Map(record.groups.map((g) => [nameKey(g), g]));
      for (const group of user.groups ?? []) {
        if (!wanted.has(group))
          events.push({ t: 'leave', name: record.name, group: this.groups.get(group)?.name ?? group });
      }
      for (const [groupKey, group] of wanted) {
        if (!user.groups?.has(groupKey)) events.push({ t: 'join', name: record.name, group });
      }
    }
    return events;
  }
}
