// Turn mode shows the joins and leaves of the two seated users only. A third user who is turned away (the room
// is full) writes their presence for a moment before learning that; the two must not see "carol joined" and
// "carol left" for someone who never sat down. Pure: fed the room's events and who holds a seat.
import { nameKey } from '../text/names.js';
import type { RoomEvent } from './live.js';

export class SeatedNotices {
  /** Users (key names) shown as present: seated at start, or whose join was shown. */
  private readonly announced = new Set<string>();
  /** Joins not shown yet, by key name: shown once their user takes a seat, dropped if they leave first. */
  private readonly held = new Map<string, RoomEvent & { kind: 'join' }>();

  constructor(private readonly isSeated: (name: string) => boolean) {}

  /** The users present and seated when the client starts (the welcome lists them). */
  start(present: readonly string[]): void {
    for (const name of present) this.announced.add(nameKey(name));
  }

  /** The events to show, in order; call it after every change (a seat taken releases a held join). */
  filter(events: readonly RoomEvent[]): RoomEvent[] {
    const shown: RoomEvent[] = [];
    for (const event of events) {
      if (event.kind === 'join') {
        const key = nameKey(event.name);
        if (this.announced.has(key))
          shown.push(event); // a restart of someone seated: "rejoined"
        else this.held.set(key, event);
      } else if (event.kind === 'leave') {
        const key = nameKey(event.name);
        this.held.delete(key);
        if (this.announced.delete(key)) shown.push(event);
      } else shown.push(event);
    }
    for (const [key, join] of this.held) {
      if (!this.isSeated(join.name)) continue;
      this.held.delete(key);
      this.announced.add(key);
      shown.push(join);
    }
    return shown;
  }
}
