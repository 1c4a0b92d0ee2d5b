// Lets connections in up to the limit (slots.ts decides who), tells a refused newcomer why, and closes the
// connections slots.ts picks to make room. Both log at most once per 10 s: a flood must not flood the log too.
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { rawResponse } from './raw-answer.js';
import { ConnectionSlots } from './slots.js';

const LOG_EVERY_MS = 10_000;

export class ConnectionGate {
  readonly slots: ConnectionSlots<Socket>;
  private lastBusyLog = Number.NEGATIVE_INFINITY;
  private lastShedLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxConnections: number,
    private readonly logger: Logger,
  ) {
    this.slots = new ConnectionSlots<Socket>(maxConnections);
  }

  /** True when `socket` may be served; otherwise it has been answered 503 and will close by itself. */
  admit(socket: Socket): boolean {
    const admission = this.slots.admit(socket);
    if (!admission.admitted) {
      this.refuseBusy(socket);
      return false;
    }
    if (admission.shed) this.shed(admission.shed);
    socket.once('close', () => this.slots.release(socket));
    return true;
  }

  /** Past the connection limit: one short answer saying so (a bare reset looks like a crash), then close. */
  private refuseBusy(socket: Socket): void {
    const limit = this.maxConnections;
    const detail = `The server has ${limit} connections open, its limit; try again in a moment.`;
    socket.end(rawResponse(503, detail, 'Retry-After: 1\r\n'));
    // Read and drop what the client sends, so closing with unread bytes does not reset the answer away.
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), 1_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    if (performance.now() - this.lastBusyLog > LOG_EVERY_MS) {
      this.lastBusyLog = performance.now();
      this.logger.warn({ limit }, `${limit} connections open: refusing more with 503`);
    }
  }

  /** Closes the connection that waited longest without asking anything, to make room for a newcomer. */
  private shed(socket: Socket): void {
    socket.destroy();
    if (performance.now() - this.lastShedLog > LOG_EVERY_MS) {
      this.lastShedLog = performance.now();
      const limit = this.maxConnections;
      this.logger.warn(
        { limit },
        `${limit} connections open: closing the ones idle longest to serve new ones`,
      );
    }
  }
}
