// The Room of one node in a cluster: the chat's state machine plus the other nodes' users. What the other
// nodes publish comes in as ClusterEvents and goes out as deliveries to this node's clients, under the same
// presence policy as local news. Still free of sockets and Redis: the link feeds it, the server delivers.
import { nameKey } from '../../text/names.js';
import { type ClientId, type Delivery, event, Room, type RoomLimits } from '../room.js';
import type { ClusterEvent, UserRecord } from './events.js';
import type { RemoteView } from './view.js';

const NONE: Delivery[] = [];

export class ClusterRoom extends Room {
  declare readonly remote: RemoteView;

  constructor(limits: Partial<RoomLimits> = {}) {
    super(limits, { cluster: true });
  }

  /** Another node's event: updates the view and returns what this node's clients must see. */
  applyRemote(node: string, e: ClusterEvent): Delivery[] {
    switch (e.t) {
      case 'joined': {
        this.remote.addUser(node, e.name);
        this.sortedNames = undefined;
        // A newcomer is in no group: in a large chat nobody hears it (as for a local newcomer).
        return event(this.isLarge() ? [] : this.registeredExcept(undefined), {
          type: 'JOINED',
          name: e.name,
        });
      }
      case 'renamed': {
        const user = this.userOf(node, e.from);
        if (!user) return NONE;
        const audience = this.presenceAudience(undefined, user.groups);
        this.remote.rename(e.from, e.to);
        this.sortedNames = undefined;
        return event(audience, { type: 'RENAMED', from: e.from, to: e.to });
      }
      case 'left': {
        const user = this.userOf(node, e.name);
        if (!user) return NONE;
        let news: Delivery[] = NONE;
        if (this.isLarge()) {
          news = [];
          for (const key of user.groups ?? []) {
            const group = this.groups.get(key);
            if (!group || this.groupSize(key) > this.limits.presenceLimit) continue;
            news.push(...event([...group.members], { type: 'LEFT', name: user.name, group: group.name }));
          }
        } else {
          news = event(this.registeredExcept(undefined), { type: 'LEFT', name: user.name });
        }
        this.remote.removeUser(nameKey(e.name));
        this.sortedNames = undefined;
        this.sortedGroups = undefined;
        return news;
      }
      case 'join':
      case 'leave': {
        const user = this.userOf(node, e.name);
        if (!user) return NONE;
        const key = nameKey(e.group);
        const before = this.groupSize(key);
        const existed = this.remote.group(key) !== undefined;
        const changed =
          e.t === 'join'
            ? this.remote.join(nameKey(e.name), e.group)
            : this.remote.leave(nameKey(e.name), key);
        if (!changed) return NONE;
        // The sorted listing changes only when a group appears or vanishes.
        if (existed !== (this.remote.group(key) !== undefined)) this.sortedGroups = undefined;
        const group = this.groups.get(key);
        const small =
          e.t === 'join' ? before < this.limits.presenceLimit : before <= this.limits.presenceLimit;
        if (!group || !small) return NONE;
        return event([...group.members], {
          type: e.t === 'join' ? 'JOINED' : 'LEFT',
          name: user.name,
          group: group.name,
        });
      }
      case 'message':
        return event(this.registeredExcept(undefined), { type: 'MESSAGE', from: e.from, text: e.text });
      case 'private': {
        const to: ClientId[] = [];
        for (const name of e.to) {
          const id = this.clientByName(name);
          if (id !== undefined && !to.includes(id)) to.push(id);
        }
        return event(to, { type: 'PRIVATE', from: e.from, text: e.text });
      }
      case 'group': {
        const group = this.groups.get(nameKey(e.group));
        return event(group ? [...group.members] : [], {
          type: 'GROUP',
          group: group?.name ?? e.group,
          from: e.from,
          text: e.text,
        });
      }
      case 'sync':
        return NONE;
    }
  }

  /** A node is gone (its lease ran out): its users leave, and those who would hear it are told. */
  dropNode(node: string): Delivery[] {
    const news: Delivery[] = [];
    for (const key of this.remote.usersOf(node)) {
      const user = this.remote.user(key);
      if (user) news.push(...this.applyRemote(node, { t: 'left', name: user.name }));
    }
    return news;
  }

  /** A fresh snapshot of a node's users: the differences become the events they would have been. */
  syncNode(node: string, records: ReadonlyMap<string, UserRecord>): Delivery[] {
    const news: Delivery[] = [];
    for (const e of this.remote.diff(node, records)) news.push(...this.applyRemote(node, e));
    return news;
  }

  /** The nodes the view holds users of. */
  knownNodes(): string[] {
    return this.remote.nodes();
  }

  private userOf(node: string, name: string) {
    const user = this.remote.user(nameKey(name));
    return user?.node === node ? user : undefined;
  }
}
