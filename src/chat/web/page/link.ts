// The page's connection to the chat: one WebSocket at a time, one line per text message, replies paired with
// commands by order (the protocol answers every command exactly once, in order), and reconnection with backoff.
import { type ChatEvent, parseServerLine, type Reply } from '../../protocol.js';
import { retryDelay } from './backoff.js';

export interface LinkHandlers {
  /** The socket is open: register again, rejoin groups. */
  open(): void;
  event(event: ChatEvent): void;
  /** The socket closed; `retryMs` until the next attempt. Unanswered commands were already told. */
  closed(retryMs: number): void;
}

/** The reply a command gets when the connection goes before the server answered it. */
export const LOST: Reply = { ok: false, code: 'DISCONNECTED', text: 'the connection was lost', line: '' };

export class ChatLink {
  private ws: WebSocket | undefined;
  private waiting: Array<(reply: Reply) => void> = [];
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: LinkHandlers,
  ) {}

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    clearTimeout(this.timer);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => this.handlers.open();
    ws.onmessage = (message) => {
      if (typeof message.data === 'string') this.receive(message.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const waiting = this.waiting;
      this.waiting = [];
      for (const answer of waiting) answer(LOST);
      const delay = retryDelay(this.attempt++, Math.random());
      this.timer = setTimeout(() => this.connect(), delay);
      this.handlers.closed(delay);
    };
  }

  /** A registration went through: the next loss starts the backoff from the beginning. */
  connected(): void {
    this.attempt = 0;
  }

  /** Sends one command; `answer` gets its reply (or LOST). False, and no answer, if the socket is not open. */
  send(line: string, answer: (reply: Reply) => void = () => {}): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.waiting.push(answer);
    this.ws.send(line);
    return true;
  }

  private receive(line: string): void {
    const parsed = parseServerLine(line);
    if (parsed.kind === 'reply') this.waiting.shift()?.(parsed.reply);
    else if (parsed.kind === 'event') {
      // The server asks whether we are still here: any line answers.
      if (parsed.event.type === 'PING') this.send(`PING ${parsed.event.token}`.trimEnd());
      this.handlers.event(parsed.event);
    }
  }
}
