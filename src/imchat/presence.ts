// Holding a name: the public key published under it (first key wins, trust on first use), and our presence in
// the room, a key with a TTL that a live client refreshes and a crashed one lets expire.
import { type StoreClient, VersionConflictError } from '../store/client.js';
import { ImchatError } from './errors.js';
import type { Identity } from './identity.js';
import { formatPresenceValue, parsePresenceValue, presenceKey, publicKeyKey } from './keys.js';
import type { RoomChange } from './live.js';

/**
 * Publishes our public key under the name, create-only: the first key published for a name is the name's
 * (trust on first use). Another key there means someone else has the name on this store.
 */
export async function publishKey(client: StoreClient, name: string, identity: Identity): Promise<void> {
  const key = publicKeyKey(name);
  try {
    await client.set(key, identity.publicKey, { ifVersion: 0 });
    return;
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
  }
  const published = await client.get(key);
  if (published === identity.publicKey) return;
  if (published === undefined) return publishKey(client, name, identity); // removed meanwhile: publish it again
  throw new ImchatError(
    'NAME_TAKEN',
    `the name "${name}" belongs to someone else on this store: ${key} holds another key than yours ` +
      `(${identity.file}); pick another --name, or use the key file of the first run that used this name`,
  );
}

export interface PresenceOptions {
  room: string;
  name: string;
  /** This run's id: tells our presence from another run's of the same name. */
  session: string;
  ttlSeconds: number;
  /** How often a live client refreshes its presence (a third of the TTL). */
  heartbeatMs: number;
}

/** Our presence key: claimed once at the start, then rewritten on each heartbeat, removed on leaving. */
export class Presence {
  /** When our presence was last written successfully (performance.now()). */
  #writtenAt = Number.NEGATIVE_INFINITY;
  readonly #key: string;

  constructor(
    private readonly client: StoreClient,
    private readonly options: PresenceOptions,
  ) {
    this.#key = presenceKey(options.room, options.name);
  }

  /** How long ago our presence was last written (Infinity: never). */
  get ageMs(): number {
    return performance.now() - this.#writtenAt;
  }

  /**
   * Writes our presence. If another run holds the name, a live one refreshes it within a heartbeat: then the
   * name is in use; if nothing happens for longer than that, the holder has crashed and we take over.
   * `onWritten` gets the write as a change (turn mode feeds it to its machine).
   */
  async claim(onWritten: (change: RoomChange) => void): Promise<void> {
    const { room, name, session, ttlSeconds, heartbeatMs } = this.options;
    const key = this.#key;
    const value = this.#value();
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.client.getEntry(key);
      let ifVersion = 0;
      if (entry) {
        const waitSeconds = Math.max(1, Math.ceil(heartbeatMs / 1000 + 0.5));
        const answer = await this.client.watchOnce({
          key,
          after: entry.version,
          timeoutSeconds: waitSeconds,
        });
        const refreshed = answer.changes.some(
          (c) => c.type === 'set' && parsePresenceValue(c.value ?? '')?.session !== session,
        );
        if (refreshed)
          throw new ImchatError(
            'NAME_IN_USE',
            `the name "${name}" is in use in room "${room}" by another running client; pick another --name`,
          );
        if (answer.changes.length > 0) continue; // it left or expired meanwhile: look again
        ifVersion = entry.version;
      }
      try {
        const started = performance.now();
        const result = await this.client.set(key, value, { ifVersion, ttl: ttlSeconds });
        this.#writtenAt = started;
        onWritten({ type: 'set', key, value, version: result.version, revision: result.version });
        return;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
      }
    }
    throw new ImchatError('NAME_IN_USE', `could not claim the name "${name}": it keeps changing hands`);
  }

  /** Rewrites our presence (a heartbeat, or coming back after it expired). */
  async write(): Promise<void> {
    const started = performance.now();
    await this.client.set(this.#key, this.#value(), { ttl: this.options.ttlSeconds });
    this.#writtenAt = started;
  }

  /** Leaving: our presence goes at once instead of at the end of its TTL; never rejects. */
  async remove(): Promise<void> {
    await this.client.unset(this.#key).catch(() => {});
  }

  #value(): string {
    const { session, name } = this.options;
    return formatPresenceValue({ session, since: Date.now(), name });
  }
}
