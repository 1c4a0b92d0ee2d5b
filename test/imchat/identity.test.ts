// The signing key file on real files: made private on first use, reused, refused when others can read it.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigDir, IdentityError, keyFilePath, loadIdentity } from '../../src/imchat/identity.js';
import { logPayload, parsePublicKey, signLog } from '../../src/imchat/signature.js';
import { verify } from 'node:crypto';

const scratch = () => mkdtempSync(join(tmpdir(), 'plainwire-imchat-identity-'));

describe('imchat identity', () => {
  it('makes one private key file per name (case-folded), mode 0600, and reuses it', () => {
    const dir = scratch();
    const first = loadIdentity(dir, 'Alice');
    expect(first.file).toBe(keyFilePath(dir, 'alice'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'imchat')).mode & 0o777).toBe(0o700);
    const again = loadIdentity(dir, 'ALICE');
    expect(again.publicKey).toBe(first.publicKey);
    expect(loadIdentity(dir, 'bob').publicKey).not.toBe(first.publicKey);
    expect(parsePublicKey(first.publicKey)?.asymmetricKeyType).toBe('ed25519');
    const record = signLog(first.privateKey, 'r', 3, { at: 1, name: 'Alice', text: 'hi' });
    const key = parsePublicKey(first.publicKey)!;
    expect(verify(null, logPayload('R', 3, record), key, Buffer.from(record.sig!, 'base64'))).toBe(true);
    expect(verify(null, logPayload('R', 4, record), key, Buffer.from(record.sig!, 'base64'))).toBe(false);
  });

  it('refuses a key file others can read, and one that holds no key, saying what to do', () => {
    const dir = scratch();
    const { file } = loadIdentity(dir, 'carol');
    chmodSync(file, 0o644);
    expect(() => loadIdentity(dir, 'carol')).toThrow(IdentityError);
    expect(() => loadIdentity(dir, 'carol')).toThrow(/can be read by others \(mode 644\).*chmod 600/);
    writeFileSync(file, 'not a key', { mode: 0o600 });
    chmodSync(file, 0o600);
    expect(() => loadIdentity(dir, 'carol')).toThrow(/does not hold an Ed25519 private key/);
    expect(readFileSync(file, 'utf8')).toBe('not a key'); // never overwritten
  });

  it('finds the config directory as documented', () => {
    expect(defaultConfigDir({ PLAINWIRE_CONFIG_DIR: '/x' })).toBe('/x');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/cfg' })).toBe(join('/cfg', 'plainwire'));
    expect(defaultConfigDir({})).toMatch(/\.config[/\\]plainwire$/);
  });
});
