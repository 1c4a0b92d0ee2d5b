// Wires the state machine to a registered ChatClient: keys, resizes, server events and replies go in; the lines
// it asks for go out. The screen subscribes to the state. No terminal here.
import type { TuiKey } from '../../term/keys.js';
import { sanitizeLine } from '../../text/sanitize.js';
import type { ChatClient } from '../client.js';
import {
  type ChatTuiEffect,
  type ChatTuiEvent,
  type ChatTuiState,
  initialState,
  startEffects,
  update,
} from './state.js';

/** How the session ended: /quit or Ctrl-C (0), or the server went away (1, with why). */
export type ChatTuiEnd = { code: 0 } | { code: 1; message: string };

/** How long /quit waits for the server's OK BYE and close before leaving anyway. */
const QUIT_WAIT_MS = 2000;

export class ChatTuiController {
  private current: ChatTuiState;
  private readonly listeners = new Set<() => void>();
  private ending = false;

  constructor(
    private readonly client: ChatClient,
    server: string,
    columns: number,
    rows: number,
    private readonly onEnd: (end: ChatTuiEnd) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = initialState(server, client.name ?? '', columns, rows);
    // The server's goodbye is drawn in the pane, which leaves with the alternate screen: kept for the exit line.
    let bye: string | undefined;
    client.onEvent = (event) => {
      if (event.type === 'BYE') bye = sanitizeLine(event.text);
      this.dispatch({ type: 'event', event, time: this.now() });
    };
    client.onClose = (reason) => {
      this.dispatch({ type: 'closed', reason, time: this.now() });
      const why =
        bye !== undefined
          ? `the server said: ${bye}`
          : reason === 'server-closed'
            ? 'the server closed it'
            : reason;
      this.end({ code: 1, message: `lost the connection to ${server} (${why})` });
    };
    for (const effect of startEffects()) this.perform(effect);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ChatTuiState => this.current;

  key(key: TuiKey): void {
    this.dispatch({ type: 'key', key, time: this.now() });
  }

  resize(columns: number, rows: number): void {
    this.dispatch({ type: 'resize', columns, rows });
  }

  dispatch(event: ChatTuiEvent): void {
    const result = update(this.current, event);
    this.current = result.state;
    for (const listener of this.listeners) listener();
    for (const effect of result.effects) this.perform(effect);
  }

  private perform(effect: ChatTuiEffect): void {
    if (effect.type === 'quit') {
      void this.quit(effect.line);
      return;
    }
    this.client.command(effect.line).then(
      (reply) =>
        this.dispatch({
          type: 'reply',
          line: effect.line,
          purpose: effect.purpose,
          reply,
          ...(effect.echo ? { echo: effect.echo } : {}),
          time: this.now(),
        }),
      (err: unknown) => {
        // A closed connection ends the session through onClose; anything else is one line in the pane.
        if (!this.ending)
          this.dispatch({ type: 'failed', message: (err as Error).message, time: this.now() });
      },
    );
  }

  private async quit(line: string): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    const bound = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref());
    const said = this.client.quit(line === 'QUIT' ? undefined : line.slice('QUIT '.length)).catch(() => {});
    await Promise.race([said, bound]);
    this.client.close();
    this.onEnd({ code: 0 });
  }

  private end(end: ChatTuiEnd): void {
    if (this.ending) return;
    this.ending = true;
    this.onEnd(end);
  }
}
