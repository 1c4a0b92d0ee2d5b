// Wires the state machine to a registered ChatClient: keys, resizes, server events and replies go in; the lines
// it asks for go out. The screen subscribes to the state. No terminal here.
import type { TuiKey } from '../../term/keys.js';
import { sanitizeLine } from '../../text/sanitize.js';
import type { ChatClient } from '../client.js';
import {
  canFailOver,
  failOver,
  movedNotice,
  movingNotice,
  type NodeConnection,
  type ServerAddress,
} from '../failover.js';
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

/** The connection the TUI starts with (registered before the screen was taken) and where it may move. */
export interface ChatTuiSession {
  connection: NodeConnection;
  /** Every node of the chat (one: losing it ends the session). */
  servers: readonly ServerAddress[];
  /** How long a failover may try (default failover.ts's). */
  failoverMs?: number;
}

export class ChatTuiController {
  private current: ChatTuiState;
  private readonly listeners = new Set<() => void>();
  private ending = false;
  private client!: ChatClient;
  private bye: string | undefined;
  /** A failover is looking for a node: typed commands are refused meanwhile, not queued. */
  private moving = false;
  private index: number;
  private where: string;
  /** Ends a failover still trying when the person leaves. */
  private readonly leaving = new AbortController();

  constructor(
    private readonly session: ChatTuiSession,
    columns: number,
    rows: number,
    private readonly onEnd: (end: ChatTuiEnd) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    const { client, index, where } = session.connection;
    this.index = index;
    this.where = where;
    this.current = initialState(where, client.name ?? '', columns, rows);
    this.attach(client);
    for (const effect of startEffects()) this.perform(effect);
  }

  /**
   * Makes `client` the session's connection: its events go to the state, its end to a failover or the exit.
   * During a failover each candidate is attached before it connects, so nothing it hears is missed.
   */
  private readonly attach = (client: ChatClient): void => {
    this.client = client;
    this.bye = undefined;
    client.onEvent = (event) => {
      if (client !== this.client) return;
      // The server's goodbye is drawn in the pane, which leaves with the alternate screen: kept for the exit line.
      if (event.type === 'BYE') this.bye = event.text;
      this.dispatch({ type: 'event', event, time: this.now() });
    };
    client.onClose = (reason) => {
      if (client === this.client && !this.moving) this.lost(reason);
    };
  };

  private lost(reason: string): void {
    if (this.ending) return;
    const why =
      this.bye !== undefined
        ? `the server said: ${sanitizeLine(this.bye)}`
        : reason === 'server-closed'
          ? 'the server closed it'
          : reason;
    if (canFailOver(this.session.servers, this.bye)) {
      void this.failOver(why);
      return;
    }
    this.dispatch({ type: 'closed', reason, time: this.now() });
    this.end({ code: 1, message: `lost the connection to ${this.where} (${why})` });
  }

  private async failOver(why: string): Promise<void> {
    this.moving = true;
    this.dispatch({ type: 'moving', text: movingNotice(this.where, why), time: this.now() });
    const name = this.current.name;
    const moved = await failOver({
      servers: this.session.servers,
      from: this.index,
      name,
      groups: this.current.mine,
      ...(this.session.failoverMs !== undefined ? { failoverMs: this.session.failoverMs } : {}),
      stop: this.leaving.signal,
      attach: this.attach,
    }).finally(() => {
      this.moving = false;
    });
    if (this.ending) {
      moved?.client.close();
      return;
    }
    if (moved === undefined) {
      this.dispatch({ type: 'closed', reason: 'no node took the session back', time: this.now() });
      this.end({
        code: 1,
        message: `lost the connection to ${this.where} (${why}; no other node took the session back)`,
      });
      return;
    }
    this.index = moved.index;
    this.where = moved.where;
    this.dispatch({
      type: 'moved',
      server: moved.where,
      text: movedNotice(moved, name),
      mine: moved.rejoined,
      time: this.now(),
    });
    // Lost again while registering: the same story once more.
    if (!moved.client.connected) this.lost('closed');
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
    if (this.moving) {
      this.dispatch({ type: 'failed', message: 'not sent: moving to another node', time: this.now() });
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
    this.leaving.abort();
    const bound = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref());
    const said = this.client.quit(line === 'QUIT' ? undefined : line.slice('QUIT '.length)).catch(() => {});
    await Promise.race([said, bound]);
    this.client.close();
    this.onEnd({ code: 0 });
  }

  /** Lets go of the connection, and of a failover still trying. */
  close(): void {
    this.leaving.abort();
    this.client.close();
  }

  private end(end: ChatTuiEnd): void {
    if (this.ending) return;
    this.ending = true;
    this.leaving.abort();
    this.onEnd(end);
  }
}
