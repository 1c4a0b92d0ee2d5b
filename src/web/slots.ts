// Which connections the static server serves at once. At most `max`; when all are taken, a newcomer takes the
// place of the connection that has waited longest without a request in progress (a client still sending its
// request head, or an idle keep-alive one), so clients that hold sockets open without asking for anything
// (slowloris) cannot lock everyone else out. Only when every connection is being answered is a newcomer refused.

export type Admission<T> = { admitted: true; shed?: T } | { admitted: false };

export class ConnectionSlots<T> {
  private readonly served = new Set<T>();
  /** Served connections with no request in progress, the longest-waiting first (a Set keeps insertion order). */
  private readonly waiting = new Set<T>();
  /** Requests in progress per connection (HTTP/1.1 pipelining can have several). */
  private readonly active = new Map<T, number>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.served.size;
  }

  /**
   * Takes a slot for `conn`. When full, frees the slot of the longest-waiting connection and returns it as
   * `shed`: the caller closes it. Not admitted when every served connection has a request in progress.
   */
  admit(conn: T): Admission<T> {
    let shed: T | undefined;
    if (this.served.size >= this.max) {
      shed = this.waiting.values().next().value;
      if (shed === undefined) return { admitted: false };
      this.release(shed);
    }
    this.served.add(conn);
    this.waiting.add(conn);
    return shed === undefined ? { admitted: true } : { admitted: true, shed };
  }

  requestStarted(conn: T): void {
    if (!this.served.has(conn)) return;
    this.waiting.delete(conn);
    this.active.set(conn, (this.active.get(conn) ?? 0) + 1);
  }

  /** The connection waits again, now as the newest waiter: its client has just been answered. */
  requestEnded(conn: T): void {
    const count = this.active.get(conn);
    if (count === undefined) return;
    if (count > 1) {
      this.active.set(conn, count - 1);
      return;
    }
    this.active.delete(conn);
    this.waiting.add(conn);
  }

  release(conn: T): void {
    this.served.delete(conn);
    this.waiting.delete(conn);
    this.active.delete(conn);
  }
}
