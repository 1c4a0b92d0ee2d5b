// One etcd watch on its own gRPC stream, for a node's change log (etcd-log.ts). etcd3's Watcher is not used: when
// its stream breaks it resumes from the last answer's header revision, and while a watch catches up with history
// every answer is headed with the current revision, so a break during a catch-up skipped the rest of the history
// without a word. Here the log says where to resume (what it has seen), and a revision etcd splits over several
// answers (`fragment`, for history bigger than a gRPC message) is handed over whole.
import type { Etcd3, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';

export interface WatchStreamHandlers {
  /** etcd accepted the watch; `revision` is etcd's current revision then. */
  onCreated(revision: number): void;
  /** Events of whole revisions, in order, and the answer's header revision (which vouches for nothing when events come). */
  onEvents(events: IEvent[], headerRevision: number): void;
  /** etcd cancelled the watch: `from` is compacted away (or another refusal, in `reason`). */
  onCancelled(reason: string): void;
  /** The stream broke (member down, network): watch again from what was seen. */
  onBroken(err: Error): void;
}

export interface WatchStreamRange {
  key: Buffer;
  rangeEnd: Buffer;
  /** The first revision wanted. */
  from: number;
  /**
   * Whether etcd may split a large answer over several (its `fragment`). etcd 3.4 takes seconds to split tens of
   * thousands of events, so a watch asks for it only after an answer was too big for the client to take.
   */
  fragment: boolean;
}

/** The error of a stream that broke on an answer bigger than the client accepts. */
export function tooLargeAnswer(err: Error): boolean {
  return /RESOURCE_EXHAUSTED|larger than max/i.test(err.message);
}

type Duplex = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

export class WatchStream {
  private stream: Duplex | undefined;
  private fragments: IEvent[] = [];
  private stopped = false;

  private constructor(private readonly handlers: WatchStreamHandlers) {}

  /** Opens a stream and asks for the watch; a failure to open is reported through onBroken. */
  static open(client: Etcd3, range: WatchStreamRange, handlers: WatchStreamHandlers): WatchStream {
    const watch = new WatchStream(handlers);
    void watch.connect(client, range);
    return watch;
  }

  /** Ends the watch; nothing more is reported. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const stream = this.stream;
    this.stream = undefined;
    // Cancelling makes the stream emit a CANCELLED error, which its listener ignores once stopped.
    stream?.cancel();
  }

  private async connect(client: Etcd3, range: WatchStreamRange): Promise<void> {
    let stream: Duplex;
    try {
      stream = await client.watchClient.watch();
    } catch (err) {
      if (!this.stopped) this.handlers.onBroken(err as Error);
      return;
    }
    if (this.stopped) {
      stream.on('error', () => {});
      stream.cancel();
      return;
    }
    this.stream = stream;
    const broken = (err: Error) => {
      if (this.stopped) return;
      this.stop();
      this.handlers.onBroken(err);
    };
    stream.on('data', (res: IWatchResponse) => this.receive(res));
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('etcd ended the watch stream')));
    const request: IWatchRequest = {
      create_request: {
        key: range.key,
        range_end: range.rangeEnd,
        start_revision: range.from,
        progress_notify: true,
        fragment: range.fragment,
      },
    };
    stream.write(request);
  }

  private receive(res: IWatchResponse): void {
    if (this.stopped) return;
    if (res.canceled) {
      const compacted = Number(res.compact_revision) > 0;
      this.stop();
      this.handlers.onCancelled(
        compacted
          ? `etcd compacted its history up to revision ${res.compact_revision}`
          : res.cancel_reason || 'etcd cancelled the watch',
      );
      return;
    }
    if (res.created) {
      this.handlers.onCreated(Number(res.header.revision));
      return;
    }
    if (res.fragment) {
      for (const event of res.events) this.fragments.push(event);
      return;
    }
    let events = res.events;
    if (this.fragments.length > 0) {
      events = this.fragments.concat(events);
      this.fragments = [];
    }
    this.handlers.onEvents(events, Number(res.header.revision));
  }
}
