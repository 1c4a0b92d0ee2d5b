// Where a session is in its life, as one value with the allowed moves between them, instead of loose booleans
// that could disagree (leaving but not stopped, stopped but still opening...).
//
//   opening --> open --> leaving --> stopped
//      |          \________________/^
//      +--> leaving (the room was full)  +--> stopped (failed to open, or abandoned: a crash)

export type Phase =
  | { kind: 'opening' }
  | { kind: 'open' }
  /** Saying goodbye; `wasOpen` says whether the room was ever shown (events are shown only if it was). */
  | { kind: 'leaving'; wasOpen: boolean }
  | { kind: 'stopped' };

export class Lifecycle {
  #phase: Phase = { kind: 'opening' };

  get phase(): Phase {
    return this.#phase;
  }

  /** Stopped: nothing more is written, shown or retried. */
  get stopped(): boolean {
    return this.#phase.kind === 'stopped';
  }

  /** On the way out (leaving or stopped): no new lines are taken, presence is no longer refreshed. */
  get leaving(): boolean {
    return this.#phase.kind === 'leaving' || this.#phase.kind === 'stopped';
  }

  /** The room has been shown (welcome and history): later events may be shown too. */
  get opened(): boolean {
    const p = this.#phase;
    return p.kind === 'open' || (p.kind === 'leaving' && p.wasOpen);
  }

  /** The welcome and the history are shown. Only from opening; false (and no change) from any other phase. */
  open(): boolean {
    if (this.#phase.kind !== 'opening') return false;
    this.#phase = { kind: 'open' };
    return true;
  }

  /** Starts leaving; false if already leaving or stopped (leaving is asked for from several places). */
  leave(): boolean {
    const p = this.#phase;
    if (p.kind !== 'opening' && p.kind !== 'open') return false;
    this.#phase = { kind: 'leaving', wasOpen: p.kind === 'open' };
    return true;
  }

  /** Stops, from any phase; false if already stopped. */
  stop(): boolean {
    if (this.#phase.kind === 'stopped') return false;
    this.#phase = { kind: 'stopped' };
    return true;
  }
}
