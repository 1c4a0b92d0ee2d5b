// Turn mode's I/O: runs TurnMachine's decisions (turn.ts) against the store until one is a wait, reading the
// keys again on a conflict and backing off while the store is down. The session feeds it the room's changes
// and gives it the lines to speak.
import { type StoreClient, StoreUnavailableError, VersionConflictError } from '../store/client.js';
import { sleep } from '../store/retry.js';
import { formatTurnValue, seatKey, turnKey } from './keys.js';
import type { Lifecycle } from './phase.js';
import type { Presence } from './presence.js';
import { type TurnAction, TurnMachine } from './turn.js';
import { SeatedNotices } from './turn-notices.js';

export type TurnEvent = { kind: 'turn'; state: 'mine' | 'partner' | 'other'; other?: string; turn: number };

/** What the driver needs of its session. */
export interface TurnHost {
  readonly client: StoreClient;
  readonly room: string;
  readonly name: string;
  readonly heartbeatMs: number;
  readonly signal: AbortSignal;
  readonly lifecycle: Lifecycle;
  readonly presence: Presence;
  /** The oldest line not yet spoken. */
  nextLine(): string | undefined;
  /** The oldest line is spoken (or refused): drop it. */
  dropLine(): void;
  /** Appends to our own log; false if the store refused the message. */
  append(text: string, turn: number): Promise<boolean>;
  leave(): void;
  markUp(): void;
  markDown(err: StoreUnavailableError): void;
  status(message: string): void;
  show(event: TurnEvent): void;
}

type Outcome = 'progress' | 'conflict' | 'idle';

export class TurnDriver {
  readonly machine: TurnMachine;
  /** Joins and leaves are shown for the seated two only. */
  readonly seated: SeatedNotices;
  /** The turn of our newest message (a restart must not speak twice in one turn). */
  lastSpokenTurn: number | undefined;
  /** The room was full: its two seat holders. */
  full: string[] | undefined;
  #driving = false;
  /** A drive() call came while driving: look again before going idle. */
  #again = false;
  /** The last wait shown, so that the same wait is not shown twice. */
  #lastWait = '';

  constructor(private readonly host: TurnHost) {
    const machine = new TurnMachine(host.room, host.name);
    this.machine = machine;
    this.seated = new SeatedNotices((name) => machine.isSeated(name));
  }

  /** Turn mode: the turn key names our seat (as far as we have seen). */
  get myTurn(): boolean {
    const seat = this.machine.mySeat;
    return seat !== undefined && this.machine.turn?.seat === seat;
  }

  /** Runs the machine's decisions until one is a wait; a call while running makes it look again. */
  async drive(): Promise<void> {
    if (this.#driving) {
      this.#again = true;
      return;
    }
    this.#driving = true;
    try {
      let conflicts = 0;
      for (;;) {
        this.#again = false;
        if (this.host.lifecycle.stopped) return;
        const action = this.machine.decide({
          hasLine: this.host.nextLine() !== undefined,
          leaving: this.host.lifecycle.leaving,
          lastSpokenTurn: this.lastSpokenTurn,
        });
        const outcome = await this.#execute(action);
        if (outcome === 'conflict') {
          conflicts++;
          if (conflicts > 3) await sleep(Math.min(500, 20 * conflicts), this.host.signal);
        } else if (outcome === 'progress') conflicts = 0;
        if (outcome === 'idle' && !this.#again) return;
      }
    } finally {
      this.#driving = false;
    }
  }

  async #execute(action: TurnAction): Promise<Outcome> {
    const { host, machine } = this;
    const { client, room, name } = host;
    let key: string | undefined;
    try {
      switch (action.kind) {
        case 'claim-seat': {
          key = seatKey(room, action.seat);
          const r = await client.set(key, name, { ifVersion: action.ifVersion });
          machine.applyWrite({ type: 'set', key, value: name, version: r.version, revision: r.version });
          machine.seated(action.seat);
          break;
        }
        case 'confirm-turn':
          // Fresh presence first (unless just written): whoever sees our confirmation has then seen us present,
          // with most of the TTL still to run.
          if (host.presence.ageMs > host.heartbeatMs / 2) await host.presence.write();
          key = turnKey(room);
          await this.#writeTurn(key, formatTurnValue(action.turn), action.ifVersion);
          break;
        case 'set-turn':
          key = turnKey(room);
          await this.#writeTurn(key, formatTurnValue(action.turn), action.ifVersion);
          break;
        case 'release-seat': {
          key = seatKey(room, action.seat);
          const r = await client.unset(key, { ifVersion: action.ifVersion });
          machine.applyWrite({ type: 'unset', key, version: 0, revision: r.revision });
          break;
        }
        case 'speak': {
          const text = host.nextLine();
          if (text !== undefined && (await host.append(text, action.turn))) this.lastSpokenTurn = action.turn;
          host.dropLine();
          break;
        }
        case 'room-full':
          this.full = action.holders;
          return 'idle';
        case 'wait':
          this.#showWait(action);
          return 'idle';
        case 'done':
          host.leave();
          return 'idle';
      }
      host.markUp();
      return 'progress';
    } catch (err) {
      if (host.lifecycle.stopped) return 'idle';
      if (err instanceof VersionConflictError && key !== undefined) {
        // Someone changed the key since we last saw it: read it now rather than wait for the watch.
        const entry = await client.getEntry(key).catch(() => undefined);
        machine.refresh(key, entry);
        return 'conflict';
      }
      if (err instanceof StoreUnavailableError) {
        host.markDown(err);
        await sleep(500, host.signal);
        return 'conflict';
      }
      host.status(`turn step failed: ${(err as Error).message}`);
      await sleep(1000, host.signal);
      return 'conflict';
    }
  }

  async #writeTurn(key: string, value: string, ifVersion: number): Promise<void> {
    const r = await this.host.client.set(key, value, { ifVersion });
    this.machine.applyWrite({ type: 'set', key, value, version: r.version, revision: r.version });
  }

  #showWait(action: Extract<TurnAction, { kind: 'wait' }>): void {
    if (!this.host.lifecycle.opened) return;
    const key = `${action.reason} ${action.other ?? ''} ${action.turn ?? ''}`;
    if (key === this.#lastWait) return;
    this.#lastWait = key;
    const state = action.reason === 'line' ? 'mine' : action.reason;
    const event: TurnEvent = { kind: 'turn', state, turn: action.turn ?? 0 };
    if (action.other !== undefined) event.other = action.other;
    this.host.show(event);
  }
}
