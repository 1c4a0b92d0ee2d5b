// Wires the state machine to an ImchatSession: keys, resizes, the session's events, diagnostics and queue go in;
// lines to say and the wish to leave go out. The screen subscribes to the state. No terminal here.
import type { TuiKey } from '../../term/keys.js';
import type { ImchatSession, SessionEvent } from '../session.js';
import {
  type ImchatTuiEffect,
  type ImchatTuiEvent,
  type ImchatTuiStart,
  type ImchatTuiState,
  initialState,
  update,
} from './state.js';

export class ImchatTuiController {
  private current: ImchatTuiState;
  private readonly listeners = new Set<() => void>();
  private session: ImchatSession | undefined;
  private leaving = false;

  constructor(
    start: ImchatTuiStart,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = initialState(start);
  }

  /** The session's callbacks: events may come before start() resolves (the welcome, the history). */
  readonly onEvent = (event: SessionEvent): void =>
    this.dispatch({ type: 'session', event, time: this.now() });

  readonly onStatus = (message: string): void => this.dispatch({ type: 'status', message, time: this.now() });

  readonly onQueue = (queued: readonly string[]): void => this.dispatch({ type: 'queue', queued });

  /** The session has started: typed lines go to it from now on. */
  attach(session: ImchatSession): void {
    this.session = session;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ImchatTuiState => this.current;

  key(key: TuiKey): void {
    this.dispatch({ type: 'key', key, time: this.now() });
  }

  resize(columns: number, rows: number): void {
    this.dispatch({ type: 'resize', columns, rows });
  }

  dispatch(event: ImchatTuiEvent): void {
    const result = update(this.current, event);
    this.current = result.state;
    for (const listener of this.listeners) listener();
    for (const effect of result.effects) this.perform(effect);
  }

  private perform(effect: ImchatTuiEffect): void {
    if (effect.type === 'send') {
      this.session?.send(effect.text);
      return;
    }
    if (this.leaving) return;
    this.leaving = true;
    // Leaving now, as Ctrl-C does in the line client: held lines are dropped, a turn we hold is handed on.
    void this.session?.close();
  }
}
