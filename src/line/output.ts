// Output coalescing: connections with queued lines are flushed together once per event-loop turn, so every
// line queued for one connection in that turn leaves in a single socket write.

export interface Flushable {
  flush(): void;
}

/** One setImmediate per turn for all dirty connections, instead of one timer or one write per line. */
export class FlushScheduler {
  private dirty: Flushable[] = [];
  private scheduled = false;

  schedule(target: Flushable): void {
    this.dirty.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate, not a microtask: it runs after every I/O callback of this turn, so lines produced by
      // several incoming packets (and by async hooks resuming) still share one write.
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const target of dirty) target.flush();
  };
}

/** Joins queued lines into one chunk: each line followed by exactly one "\n". */
export function joinLines(lines: readonly string[]): string {
  return lines.length === 1 ? `${lines[0]}\n` : `${lines.join('\n')}\n`;
}

/** True if the text holds a line break, so it cannot go out as one line. */
export function hasLineBreak(line: string): boolean {
  return line.includes('\n') || line.includes('\r');
}
