// Forgery made visible: real `plainwire imchat` processes on a real `plainwire store`, and an attacker who writes
// to the same store with a plain StoreClient (anyone who can reach a store without a token can).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLogValue, logKey, publicKeyKey } from '../../src/imchat/keys.js';
import { formatPublicKey, signLog } from '../../src/imchat/signature.js';
import { type CliProcess, runCli, spawnCli } from '../helpers/cli.js';
import { shareTestStore } from './store.js';

const shared = shareTestStore();

/** Lines shown as someone's words, unmarked: "[12:00:00] alice: text". */
const PLAIN_MESSAGE = /^\[\d\d:\d\d:\d\d\] ([A-Za-z0-9_.-]+): (.*)$/;

function plainMessages(proc: CliProcess): string[] {
  return proc.stdout.lines.flatMap((line) => {
    const m = PLAIN_MESSAGE.exec(line);
    return m ? [`${m[1]}: ${m[2]}`] : [];
  });
}

function imchat(name: string, room: string, configDir: string, ...extra: string[]): CliProcess {
  return spawnCli(['imchat', shared.store.url, '--name', name, '--room', room, ...extra], {
    env: { PLAINWIRE_CONFIG_DIR: configDir },
  });
}

function say(name: string, room: string, configDir: string, input: string) {
  return runCli(['imchat', shared.store.url, '--name', name, '--room', room], {
    input,
    env: { PLAINWIRE_CONFIG_DIR: configDir },
  });
}

const configDir = () => mkdtempSync(join(tmpdir(), 'plainwire-imchat-config-'));
/** alice's and bob's own config directories, for every test: each key is published once on the shared store. */
const aliceDir = configDir();
const bobDir = configDir();

describe('imchat forgery', () => {
  it("marks a message an attacker wrote into alice's log; alice's own message shows unmarked", async () => {
    const room = 'forged';
    const bob = imchat('bob', room, bobDir);
    await bob.stdout.waitFor(/\* joined room /, 15_000);
    const said = await say('alice', room, aliceDir, 'hello bob\n');
    expect(said.code, said.stderr).toBe(0);
    await bob.stdout.waitFor('alice: hello bob');
    // The attacker writes the next entry of alice's log: well-formed, unsigned.
    await shared.client.set(logKey(room, 'alice', 2), JSON.stringify({ at: Date.now(), text: 'I resign' }));
    // ...and one with a signature copied from alice's real first message (a replay under another number).
    const real = JSON.parse((await shared.client.get(logKey(room, 'alice', 1)))!) as Record<string, unknown>;
    await shared.client.set(logKey(room, 'alice', 3), JSON.stringify({ ...real }));
    const forged = await bob.stdout.waitFor('I resign');
    expect(forged).toMatch(/\[unverified: [^\]]+\] alice: I resign$/);
    const replayed = await bob.stdout.waitFor((l) => l.includes('hello bob') && l.includes('unverified'));
    expect(replayed).toMatch(/\[unverified: [^\]]+\] alice: hello bob$/);
    // A fake far ahead in her log moves neither alice's numbering nor makes bob think messages are missing.
    await shared.client.set(logKey(room, 'alice', 50), JSON.stringify({ at: Date.now(), text: 'far ahead' }));
    await bob.stdout.waitFor('far ahead');
    expect((await say('alice', room, aliceDir, 'still here\n')).code).toBe(0);
    await bob.stdout.waitFor('alice: still here');
    bob.child.stdin.end();
    expect(await bob.exited).toBe(0);
    expect(plainMessages(bob)).toEqual(['alice: hello bob', 'alice: still here']);
    expect(bob.stdout.text()).not.toMatch(/missing/);
    expect(await shared.client.get(logKey(room, 'alice', 4))).toMatch(/still here/);
  });

  it('marks an entry signed with a key other than the one alice published first', async () => {
    const room = 'otherkey';
    expect((await say('alice', room, aliceDir, 'first\n')).code).toBe(0);
    // Mallory cannot publish another key for alice (create-only), and a client started with another key is refused.
    const mallory = await say('alice', room, configDir(), 'I resign\n');
    expect(mallory.code).toBe(1);
    expect(mallory.stderr).toMatch(/"alice" .*another key/);
    // So he writes alice's log himself, signing with his own key (as if it were alice's): still marked.
    const bob = imchat('bob', room, bobDir);
    await bob.stdout.waitFor('alice: first', 15_000);
    const published = await shared.client.get(publicKeyKey('alice'));
    expect(published).toMatch(/^ed25519 /);
    await shared.client.set(
      logKey(room, 'alice', 2),
      JSON.stringify({
        at: Date.now(),
        name: 'alice',
        text: 'I resign',
        sig: Buffer.alloc(64, 7).toString('base64'),
      }),
    );
    expect(await bob.stdout.waitFor('I resign')).toMatch(/\[unverified: [^\]]+\] alice: I resign$/);
    bob.child.stdin.end();
    expect(await bob.exited).toBe(0);
    expect(plainMessages(bob)).toEqual(['alice: first']);
  });

  it("a reader who has seen erin's key notices when it is replaced on the store", async () => {
    const room = 'replaced';
    const erinDir = configDir();
    expect((await say('erin', room, erinDir, 'mine\n')).code).toBe(0);
    const bob = imchat('bob', room, bobDir);
    await bob.stdout.waitFor('erin: mine', 15_000);
    // Mallory removes erin's published key, publishes his own under her name, and signs with it.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await shared.client.unset(publicKeyKey('erin'));
    await shared.client.set(publicKeyKey('erin'), formatPublicKey(publicKey), { ifVersion: 0 });
    const record = signLog(privateKey, room, 2, { at: Date.now(), name: 'erin', text: 'I resign' });
    await shared.client.set(logKey(room, 'erin', 2), formatLogValue(record));
    // A running reader keeps checking against the key it first saw.
    expect(await bob.stdout.waitFor('I resign')).toMatch(/\[unverified: [^\]]+\] erin: I resign$/);
    bob.child.stdin.end();
    expect(await bob.exited).toBe(0);
    // A reader who never saw erin's key trusts the one on the store (trust on first use)...
    const newcomer = await runCli(['imchat', shared.store.url, '--name', 'newbie', '--room', room], {
      env: { PLAINWIRE_CONFIG_DIR: configDir() },
    });
    expect(newcomer.stdout, newcomer.stderr).toMatch(/\] erin: I resign$/m);
    // ...but bob's config directory pinned erin's first key: any later run from it is not fooled.
    const pinned = await runCli(['imchat', shared.store.url, '--name', 'carl', '--room', room], {
      env: { PLAINWIRE_CONFIG_DIR: bobDir },
    });
    expect(pinned.stdout).toMatch(/\] erin: mine$/m);
    expect(pinned.stdout).toMatch(/\[unverified: erin's key on the store was replaced\] erin: I resign$/m);
    // And erin herself is told her name's key on the store is not hers.
    const erin = await say('erin', room, erinDir, 'still me\n');
    expect(erin.code).toBe(1);
    expect(erin.stderr).toMatch(/"erin" .*another key/);
  });

  it("shows alice's deleted messages as missing, at start, live and after a restart", async () => {
    const room = 'deleted';
    const notices = (proc: CliProcess) =>
      proc.stdout.lines
        .filter((l) => /alice: |from alice missing/.test(l))
        .map((l) => l.replace(/^\[[\d:]+\] /, ''));
    expect((await say('alice', room, aliceDir, 'one\ntwo\nthree\nfour\nfive\n')).code).toBe(0);
    for (const seq of [2, 3, 5]) await shared.client.unset(logKey(room, 'alice', seq));
    const bob = imchat('bob', room, bobDir);
    await bob.stdout.waitFor('alice: four', 15_000);
    // Her newest (5) is gone too: that shows once she says something after it.
    expect((await say('alice', room, aliceDir, 'six\n')).code).toBe(0);
    await bob.stdout.waitFor('alice: six');
    bob.child.stdin.end();
    expect(await bob.exited).toBe(0);
    expect(notices(bob)).toEqual([
      'alice: one',
      '* 2 messages from alice missing',
      'alice: four',
      '* 1 message from alice missing',
      'alice: six',
    ]);
    // Bob away; one of what alice says meanwhile is deleted before he is back.
    expect((await say('alice', room, aliceDir, 'seven\neight\nnine\n')).code).toBe(0);
    await shared.client.unset(logKey(room, 'alice', 8));
    const back = imchat('bob', room, bobDir);
    await back.stdout.waitFor('alice: nine', 15_000);
    back.child.stdin.end();
    expect(await back.exited).toBe(0);
    expect(notices(back)).toEqual(['alice: seven', '* 1 message from alice missing', 'alice: nine']);
  });

  it('creates the key file with mode 0600 in the config directory, and reuses it', async () => {
    const dir = configDir();
    expect((await say('Dora', 'keys', dir, 'hi\n')).code).toBe(0);
    const file = join(dir, 'imchat', 'dora.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = readFileSync(file, 'utf8');
    expect(first).toMatch(/BEGIN PRIVATE KEY/);
    const again = await say('dora', 'keys', dir, 'hi again\n');
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(again.stdout).toMatch(/\] dora: hi again$/m);
    expect(again.stdout).not.toMatch(/unverified/);
  });
});
