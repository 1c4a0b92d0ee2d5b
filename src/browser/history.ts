// Back/forward history of a browsing session: a list with a cursor, pure and generic over what it stores.

export class History<T> {
  private entries: T[] = [];
  private index = -1;

  /** Bounded so a session that browses for ever keeps memory flat; the oldest entries go first. */
  constructor(private readonly limit = 100) {}

  get current(): T | undefined {
    return this.entries[this.index];
  }

  get canGoBack(): boolean {
    return this.index > 0;
  }

  get canGoForward(): boolean {
    return this.index < this.entries.length - 1;
  }

  get length(): number {
    return this.entries.length;
  }

  /** A new page: drops everything forward of the cursor, as browsers do. */
  visit(entry: T): void {
    this.entries.length = this.index + 1;
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.index = this.entries.length - 1;
  }

  /** Replaces the current entry (a reload, or the same page with changed form values). */
  replace(entry: T): void {
    if (this.index < 0) this.visit(entry);
    else this.entries[this.index] = entry;
  }

  back(): T | undefined {
    if (!this.canGoBack) return undefined;
    this.index--;
    return this.entries[this.index];
  }

  forward(): T | undefined {
    if (!this.canGoForward) return undefined;
    this.index++;
    return this.entries[this.index];
  }
}
