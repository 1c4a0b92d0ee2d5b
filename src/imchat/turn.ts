// Turn mode's state machine: from the room's seats, turn key and presence it decides the one next write (a
// compare-and-set) or wait for one client. No I/O: the session executes the action and feeds back the result.
import {
  parsePresenceValue,
  parseRoomKey,
  parseTurnValue,
  presenceKey,
  sameName,
  type Seat,
  seatKey,
  type TurnRecord,
  turnKey,
} from './keys.js';
import type { RoomChange, RoomEntry } from './live.js';

export type TurnAction =
  /** Write `name` to the seat, only if it is still at `ifVersion` (0: only if free). */
  | { kind: 'claim-seat'; seat: Seat; ifVersion: number }
  /** Both seats are held by present users. */
  | { kind: 'room-full'; holders: string[] }
  /** Compare-and-set the turn key. */
  | {
      kind: 'set-turn';
      turn: TurnRecord;
      ifVersion: number;
      why: 'first' | 'pass' | 'vanished' | 'leaving';
    }
  /** Free a seat (the other's, whose holder vanished, or our own when leaving). */
  | { kind: 'release-seat'; seat: Seat; ifVersion: number; holder: string }
  /**
   * Before speaking: rewrite the turn key unchanged with ifVersion (and refresh our presence first), so that a
   * speaker whose view is stale (someone passed the turn on meanwhile) fails here instead of speaking.
   */
  | { kind: 'confirm-turn'; turn: TurnRecord; ifVersion: number }
  /** Append the next line to our log, tagged with turn `turn` (confirmed at its current version). */
  | { kind: 'speak'; turn: number }
  | { kind: 'wait'; reason: 'line' | 'partner' | 'other'; other?: string; turn?: number }
  /** Leaving and no longer seated: nothing left to do. */
  | { kind: 'done' };

export interface TurnContext {
  /** A line is waiting to be spoken. */
  hasLine: boolean;
  /** The user is leaving (end of input or quit): hand the turn on and free the seat. */
  leaving: boolean;
  /** The turn number of our newest logged message (survives restarts: it is read from our log). */
  lastSpokenTurn: number | undefined;
}

interface Held {
  value: string;
  version: number;
}

const other = (seat: Seat): Seat => (seat === 1 ? 2 : 1);

export class TurnMachine {
  /** Mirror of the seat, turn and presence keys, each with the revision of its last known change. */
  private readonly keys = new Map<string, Held>();
  private readonly revisions = new Map<string, number>();
  private seat: Seat | undefined;
  /**
   * Revision up to which the mirror is a consistent snapshot (listing, then watch changes in order). Our own
   * write results and reads after a conflict are newer but not consistent: a seat learnt that way may belong to
   * someone whose presence we have simply not seen yet, so "vanished" is judged only within the snapshot.
   */
  private consistent = 0;
  /** The turn key's version as we last confirmed it ourselves. */
  private confirmed = -1;

  constructor(
    readonly room: string,
    readonly self: string,
  ) {}

  get mySeat(): Seat | undefined {
    return this.seat;
  }

  /** Starts from a listing taken at `revision`. */
  load(items: RoomEntry[], revision: number): void {
    this.keys.clear();
    this.revisions.clear();
    for (const item of items) this.record(item.key, item.value, item.version, item.version);
    this.consistent = revision;
    if (this.seat !== undefined && !this.holds(this.seat, this.self)) this.seat = undefined;
  }

  private recordChange(change: RoomChange): void {
    this.record(
      change.key,
      change.type === 'set' ? change.value : undefined,
      change.version,
      change.revision,
    );
  }

  /** A change from the watch (they come in revision order). */
  apply(change: RoomChange): void {
    this.recordChange(change);
    this.consistent = Math.max(this.consistent, change.revision);
  }

  /** The result of our own write (for a set, `revision` is its version). */
  applyWrite(change: RoomChange): void {
    this.recordChange(change);
    const turn = this.turn;
    if (
      change.key === turnKey(this.room) &&
      turn &&
      turn.version === change.version &&
      turn.seat === this.seat
    ) {
      this.confirmed = change.version;
    }
  }

  /** What a read after a failed compare-and-set found (undefined: the key is absent). */
  refresh(key: string, entry: { value: string; version: number } | undefined): void {
    if (entry) this.record(key, entry.value, entry.version, entry.version);
    // An absent key was removed at some revision after the one we know: any later watch change still wins.
    else this.record(key, undefined, 0, (this.revisions.get(key) ?? 0) + 1);
  }

  /** Our claim of `seat` succeeded. */
  seated(seat: Seat): void {
    this.seat = seat;
  }

  private record(key: string, value: string | undefined, version: number, revision: number): void {
    const kind = parseRoomKey(this.room, key)?.kind;
    if (kind !== 'seat' && kind !== 'turn' && kind !== 'presence') return;
    if (revision <= (this.revisions.get(key) ?? 0)) return;
    this.revisions.set(key, revision);
    if (value === undefined) this.keys.delete(key);
    else this.keys.set(key, { value, version });
    // Someone took our seat (we were thought gone, e.g. cut off from the store for longer than the presence TTL).
    if (this.seat !== undefined && !this.holds(this.seat, this.self)) this.seat = undefined;
  }

  seatHolder(seat: Seat): Held | undefined {
    return this.keys.get(seatKey(this.room, seat));
  }

  /** Seats hold names as typed; a name is the same whatever its case. */
  private holds(seat: Seat, name: string): boolean {
    const held = this.seatHolder(seat);
    return held !== undefined && sameName(held.value, name);
  }

  /** `name` holds one of the two seats (as far as this client has seen). */
  isSeated(name: string): boolean {
    return this.holds(1, name) || this.holds(2, name);
  }

  /** The seat's holder is gone: its presence is absent in a snapshot that already holds the seat. */
  private vanished(held: Held): boolean {
    return held.version <= this.consistent && !this.isPresent(held.value);
  }

  isPresent(name: string): boolean {
    const held = this.keys.get(presenceKey(this.room, name));
    return held !== undefined && parsePresenceValue(held.value) !== undefined;
  }

  get turn(): (TurnRecord & { version: number }) | undefined {
    const held = this.keys.get(turnKey(this.room));
    const t = held && parseTurnValue(held.value);
    return t && held ? { ...t, version: held.version } : undefined;
  }

  /** The holder of the other seat, if any. */
  partner(): string | undefined {
    return this.seat === undefined ? undefined : this.seatHolder(other(this.seat))?.value;
  }

  /** The one thing to do next. */
  decide(ctx: TurnContext): TurnAction {
    const mine = this.seat;
    if (mine === undefined) return this.decideUnseated(ctx);
    const theirs = other(mine);
    const them = this.seatHolder(theirs);
    const turn = this.turn;
    const themGone = them !== undefined && !sameName(them.value, this.self) && this.vanished(them);
    // Leaving with lines still to speak goes on taking turns; only once they are spoken does it hand over.
    const quitting = ctx.leaving && !ctx.hasLine;

    if (themGone) {
      // The other holder vanished: a turn that was theirs (or never created) passes to us before we free the seat,
      // so a crash between the two writes leaves nothing stuck (the rule applies again on restart).
      if (turn === undefined)
        return { kind: 'set-turn', turn: { seat: mine, n: 1 }, ifVersion: 0, why: 'vanished' };
      if (turn.seat === theirs && !quitting) {
        // A turn version newer than our snapshot came from a read after a conflict: the holder may have just
        // confirmed it (after refreshing its presence, which the watch has not brought us yet). Wait for the watch.
        if (turn.version > this.consistent)
          return { kind: 'wait', reason: 'other', other: them.value, turn: turn.n };
        return {
          kind: 'set-turn',
          turn: { seat: mine, n: turn.n + 1 },
          ifVersion: turn.version,
          why: 'vanished',
        };
      }
      return { kind: 'release-seat', seat: theirs, ifVersion: them.version, holder: them.value };
    }
    if (turn === undefined) {
      const first: Seat = them === undefined ? mine : 1;
      return { kind: 'set-turn', turn: { seat: first, n: 1 }, ifVersion: 0, why: 'first' };
    }
    // The turn waits at an empty seat. If we spoke the turn before it, we wait for a partner (two alternate);
    // otherwise we arrived into a room where nobody sits: the first arrival speaks first.
    // Judged within the snapshot, like "vanished": a seat claimed just before the turn moved there is then seen.
    if (
      them === undefined &&
      turn.seat === theirs &&
      turn.version <= this.consistent &&
      ctx.lastSpokenTurn !== turn.n - 1 &&
      !quitting
    )
      return { kind: 'set-turn', turn: { seat: mine, n: turn.n + 1 }, ifVersion: turn.version, why: 'first' };
    if (turn.seat === mine) {
      if (quitting)
        return {
          kind: 'set-turn',
          turn: { seat: theirs, n: turn.n + 1 },
          ifVersion: turn.version,
          why: 'leaving',
        };
      if (ctx.lastSpokenTurn === turn.n)
        return {
          kind: 'set-turn',
          turn: { seat: theirs, n: turn.n + 1 },
          ifVersion: turn.version,
          why: 'pass',
        };
      if (ctx.hasLine && this.confirmed !== turn.version)
        return { kind: 'confirm-turn', turn: { seat: turn.seat, n: turn.n }, ifVersion: turn.version };
      if (ctx.hasLine) return { kind: 'speak', turn: turn.n };
      return { kind: 'wait', reason: 'line', turn: turn.n };
    }
    if (quitting) {
      const held = this.seatHolder(mine);
      if (held) return { kind: 'release-seat', seat: mine, ifVersion: held.version, holder: this.self };
    }
    if (them === undefined) return { kind: 'wait', reason: 'partner', turn: turn.n };
    return { kind: 'wait', reason: 'other', other: them.value, turn: turn.n };
  }

  private decideUnseated(ctx: TurnContext): TurnAction {
    if (ctx.leaving && !ctx.hasLine) return { kind: 'done' };
    const seats: Seat[] = [1, 2];
    // A seat still holding our name is ours from before a crash: touch it (a CAS) so that a client which
    // thought us gone and is about to free it fails instead.
    for (const seat of seats) {
      const held = this.seatHolder(seat);
      if (held && sameName(held.value, this.self))
        return { kind: 'claim-seat', seat, ifVersion: held.version };
    }
    for (const seat of seats)
      if (this.seatHolder(seat) === undefined) return { kind: 'claim-seat', seat, ifVersion: 0 };
    for (const seat of seats) {
      const held = this.seatHolder(seat)!;
      if (this.vanished(held)) return { kind: 'claim-seat', seat, ifVersion: held.version };
    }
    return { kind: 'room-full', holders: seats.map((s) => this.seatHolder(s)!.value) };
  }
}
