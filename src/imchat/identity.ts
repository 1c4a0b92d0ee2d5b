// The user's imchat signing key pair, kept in their config directory: made on first use (mode 0600) and reused
// after, one per name (so one person's names are not linked by a shared public key).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { nameKey } from '../text/names.js';
import { formatPublicKey } from './signature.js';

/** `$PLAINWIRE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/plainwire`, else `~/.config/plainwire`. */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLAINWIRE_CONFIG_DIR) return env.PLAINWIRE_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'plainwire');
}

export function keyFilePath(configDir: string, name: string): string {
  return join(configDir, 'imchat', `${nameKey(name)}.key`);
}

export interface Identity {
  privateKey: KeyObject;
  /** As published: formatPublicKey of the public half. */
  publicKey: string;
  file: string;
}

/** A key file that cannot be used, with what to do about it. */
export class IdentityError extends Error {
  override name = 'IdentityError';
}

/** Reads the name's key pair, or makes it (create-only, so two clients starting at once end with one). */
export function loadIdentity(configDir: string, name: string): Identity {
  const file = keyFilePath(configDir, name);
  let pem: string;
  try {
    mkdirSync(join(configDir, 'imchat'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new IdentityError(`cannot create the key file ${file}: ${(err as Error).message}`);
  }
  try {
    const mode = statSync(file).mode & 0o777;
    // As ssh does: a private key others can read is no longer private.
    if ((mode & 0o077) !== 0)
      throw new IdentityError(
        `the key file ${file} can be read by others (mode ${mode.toString(8)}); make it private: chmod 600 ${file}`,
      );
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof IdentityError) throw err;
    throw new IdentityError(`cannot read the key file ${file}: ${(err as Error).message}`);
  }
  let privateKey: KeyObject | undefined;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // Not a key at all: said below, with what is not an Ed25519 key.
  }
  if (privateKey?.asymmetricKeyType !== 'ed25519')
    throw new IdentityError(
      `the key file ${file} does not hold an Ed25519 private key; restore it from a backup`,
    );
  return { privateKey, publicKey: formatPublicKey(createPublicKey(privateKey)), file };
}
