// The public keys a reader checks entries against, by name: fetched from the store on first need, and pinned in
// the config directory, so a key replaced on the store later is noticed (trust on first use, as ssh's
// known_hosts). Fetching is injected; the pin file is the only I/O here.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nameKey } from '../text/names.js';
import { type KnownKey, knownKey } from './signature.js';

/** Pins by store URL, then by name: `{"http://127.0.0.1:8001/": {"alice": "ed25519 ..."}}`. */
type PinFile = Record<string, Record<string, string>>;

function readPins(file: string): PinFile {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as PinFile) : {};
  } catch {
    return {};
  }
}

export class Keyring {
  private readonly known = new Map<string, KnownKey>();
  /** Names whose published key this run has looked up and found. */
  private readonly fetched = new Set<string>();

  /**
   * `fetch` answers the published key of a name (undefined: none). `pinFile` (optional) keeps the first key seen
   * per name for `store` across runs.
   */
  constructor(
    private readonly fetch: (name: string) => Promise<string | undefined>,
    private readonly store: string,
    private readonly pinFile?: string,
  ) {
    const pins = pinFile === undefined ? undefined : readPins(pinFile)[store];
    if (pins && typeof pins === 'object')
      for (const [name, key] of Object.entries(pins))
        if (typeof key === 'string') this.known.set(name, knownKey(key, undefined));
  }

  get(name: string): KnownKey | undefined {
    return this.known.get(nameKey(name));
  }

  /** Whether `name`'s published key still has to be looked up before its entries can be checked. */
  needs(name: string): boolean {
    return !this.fetched.has(nameKey(name));
  }

  /**
   * Looks up the published key of every name not yet seen with one in this run (a name without a key is looked
   * up again next time: its owner may publish it meanwhile).
   */
  async ensure(names: Iterable<string>): Promise<void> {
    const wanted = [...new Set([...names].map(nameKey))].filter((name) => !this.fetched.has(name));
    if (wanted.length === 0) return;
    const found = await Promise.all(wanted.map(async (name) => [name, await this.fetch(name)] as const));
    const newPins: Array<[string, string]> = [];
    for (const [name, published] of found) {
      const pinned = this.known.get(name)?.trusted;
      this.known.set(name, knownKey(pinned ?? published, published));
      if (published === undefined) continue;
      this.fetched.add(name);
      if (pinned === undefined) newPins.push([name, published]);
    }
    this.savePins(newPins);
  }

  private savePins(found: Array<[string, string]>): void {
    if (this.pinFile === undefined || found.length === 0) return;
    const pins = readPins(this.pinFile);
    const mine = pins[this.store] ?? {};
    let changed = false;
    for (const [name, key] of found)
      if (mine[name] === undefined) {
        mine[name] = key;
        changed = true;
      }
    if (!changed) return;
    pins[this.store] = mine;
    try {
      mkdirSync(dirname(this.pinFile), { recursive: true, mode: 0o700 });
      const tmp = `${this.pinFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(pins, null, 1)}\n`, { mode: 0o600 });
      renameSync(tmp, this.pinFile);
    } catch {
      // Pins are an extra check across runs: without the file the keys seen in this run still count.
    }
  }
}
