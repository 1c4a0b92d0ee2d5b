// Wires the state machine to the session: keys and resizes go in, effects go to the session, its events come
// back in; the screen subscribes to the state. No terminal here, so a test can drive a whole browsing session.
import { BrowserSession, type SessionOptions } from './session.js';
import { initialState, type TuiEvent, type TuiKey, type TuiState, update } from './state.js';

export class TuiController {
  private current: TuiState;
  private readonly listeners = new Set<() => void>();
  private readonly session: BrowserSession;
  private readonly pending = new Set<Promise<void>>();
  private quitting = false;

  constructor(
    options: SessionOptions,
    columns: number,
    rows: number,
    private readonly onQuit: () => void,
  ) {
    this.current = initialState(columns, rows);
    this.session = new BrowserSession(options, (event) => this.dispatch(event), columns);
  }

  get state(): TuiState {
    return this.current;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): TuiState => this.current;

  open(url: string): void {
    this.track(this.session.navigate({ url }, 'visit'));
  }

  key(key: TuiKey): void {
    this.dispatch({ type: 'key', key });
  }

  resize(columns: number, rows: number): void {
    this.dispatch({ type: 'resize', columns, rows });
    this.session.resize(columns, { top: this.current.top, selected: this.current.selected });
  }

  /** Resolves when every navigation started so far has finished (tests wait on this). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  dispatch(event: TuiEvent): void {
    const result = update(this.current, event);
    this.current = result.state;
    for (const listener of this.listeners) listener();
    for (const effect of result.effects) {
      if (effect.type === 'quit') {
        if (!this.quitting) {
          this.quitting = true;
          this.onQuit();
        }
      } else this.track(this.session.perform(effect));
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => {
        this.dispatch({
          type: 'failed',
          message: `unexpected error: ${(err as Error)?.message ?? String(err)}`,
        });
      })
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
