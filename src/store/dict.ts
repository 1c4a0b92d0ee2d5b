// StoreDict: the lab's `server['key'] = 'value'` proxy habit, as a Map-like object with async methods.
// A synchronous Proxy cannot fit a network store: `d[k]` would have to block the event loop for a round trip,
// and `d[k] = v` cannot report a failure or wait for the durable commit. Every method here returns a Promise.
import type { Entry } from './client-protocol.js';
import type { StoreClient } from './client.js';

export class StoreDict implements AsyncIterable<[string, string]> {
  /**
   * Keys are stored as prefix + key; with a prefix ("room1/"), the dict sees only that part of the store and
   * its keys come back without the prefix.
   */
  constructor(
    private readonly client: StoreClient,
    readonly prefix = '',
  ) {}

  /** The value, or undefined if absent (the lab's proxy gave ''). */
  get(key: string): Promise<string | undefined> {
    return this.client.get(this.prefix + key);
  }

  /** Resolves once the value is durably stored, with its new version. */
  set(key: string, value: string, opts?: { ifVersion?: number; ttl?: number }): Promise<{ version: number }> {
    return this.client.set(this.prefix + key, value, opts);
  }

  async has(key: string): Promise<boolean> {
    return (await this.client.getEntry(this.prefix + key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    await this.client.unset(this.prefix + key);
  }

  async keys(): Promise<string[]> {
    if (this.prefix === '') return this.client.keys();
    return (await this.all()).map((e) => e.key);
  }

  async values(): Promise<string[]> {
    return (await this.all()).map((e) => e.value);
  }

  async entries(): Promise<Array<[string, string]>> {
    return (await this.all()).map((e) => [e.key, e.value]);
  }

  async size(): Promise<number> {
    return (await this.all()).length;
  }

  /** Empties the dict: the whole store without a prefix, else each key under the prefix. */
  async clear(): Promise<void> {
    if (this.prefix === '') return this.client.clear();
    for (const entry of await this.all()) await this.client.unset(this.prefix + entry.key);
  }

  /** `for await (const [key, value] of dict)`: page by page, so a large store is not held in memory at once. */
  async *[Symbol.asyncIterator](): AsyncIterator<[string, string]> {
    let cursor: string | undefined;
    for (;;) {
      const opts: { prefix?: string; cursor?: string } = {};
      if (this.prefix !== '') opts.prefix = this.prefix;
      if (cursor !== undefined) opts.cursor = cursor;
      const page = await this.client.list(opts);
      for (const entry of page.items) yield [entry.key.slice(this.prefix.length), entry.value];
      if (page.cursor === null || page.items.length === 0) return;
      cursor = page.cursor;
    }
  }

  private async all(): Promise<Entry[]> {
    const { items } = await this.client.listAll(this.prefix === '' ? undefined : this.prefix);
    return items.map((e) => ({ ...e, key: e.key.slice(this.prefix.length) }));
  }
}
