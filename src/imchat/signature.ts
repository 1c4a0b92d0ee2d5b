// What an imchat log entry's signature covers, and what a reader makes of an entry: pure functions over node:crypto's
// Ed25519. docs/IMCHAT.md ("Who said it") states the guarantee and its limits.
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { nameKey } from '../text/names.js';
import type { LogRecord } from './keys.js';

/** Names what is signed, so a signature over one kind of value can never pass for another. */
const LOG_CONTEXT = 'plainwire-imchat-log/1';
const PUBLIC_KEY = /^ed25519 ([A-Za-z0-9+/]{40,120}={0,2})$/;

/**
 * Everything a reader shows of an entry and everything that places it: the room, the sender's name (as typed),
 * the sequence number, the time, the turn and the text. So a signed entry cannot be replayed under another
 * number, room or name, nor shown with another time or turn.
 */
export function logPayload(room: string, seq: number, record: LogRecord): Buffer {
  return Buffer.from(
    JSON.stringify([
      LOG_CONTEXT,
      nameKey(room),
      record.name ?? '',
      seq,
      record.at,
      record.turn ?? null,
      record.text,
    ]),
  );
}

/** `record` with its signature: the record must carry the sender's name. */
export function signLog(privateKey: KeyObject, room: string, seq: number, record: LogRecord): LogRecord {
  return { ...record, sig: sign(null, logPayload(room, seq, record), privateKey).toString('base64') };
}

/** The public-key value stored under publicKeyKey(name): `ed25519 <base64 of the SPKI DER>`. */
export function formatPublicKey(key: KeyObject): string {
  return `ed25519 ${key.export({ type: 'spki', format: 'der' }).toString('base64')}`;
}

/** The key in a published value, or undefined when it is not an Ed25519 public key. */
export function parsePublicKey(text: string): KeyObject | undefined {
  const m = PUBLIC_KEY.exec(text);
  if (!m) return undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(m[1]!, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a reader knows of one name's key: the one it trusts (the first it saw, possibly in an earlier run) and
 * the one the store holds now (undefined: none published). They differ when the store's was replaced.
 */
export interface KnownKey {
  trusted?: string;
  /** `trusted`, parsed once (undefined when it is not a valid key). */
  trustedKey?: KeyObject | undefined;
  published?: string;
}

/** A KnownKey with its trusted key parsed, so checking an entry does not parse it again. */
export function knownKey(trusted: string | undefined, published: string | undefined): KnownKey {
  return { trusted, trustedKey: trusted === undefined ? undefined : parsePublicKey(trusted), published };
}

/**
 * Why the entry at `seq` of `keyName`'s log must not be shown as that user's words, or undefined when it is
 * signed by the key the reader trusts for that name.
 */
export function checkLog(
  room: string,
  keyName: string,
  seq: number,
  record: LogRecord,
  known: KnownKey | undefined,
): string | undefined {
  if (record.sig === undefined || record.name === undefined) return 'not signed';
  if (nameKey(record.name) !== keyName) return `signed as ${record.name}`;
  const trusted = known?.trustedKey;
  if (trusted === undefined)
    return known?.trusted === undefined
      ? `no key published for ${keyName}`
      : `the key for ${keyName} is not valid`;
  let valid = false;
  try {
    valid = verify(null, logPayload(room, seq, record), trusted, Buffer.from(record.sig, 'base64'));
  } catch {
    valid = false;
  }
  if (valid) return undefined;
  if (known?.published !== known?.trusted) return `${keyName}'s key on the store was replaced`;
  return `signature does not match ${keyName}'s key`;
}
