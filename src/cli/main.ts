#!/usr/bin/env node
// The `plainwire` executable: one commander program, one module per subcommand. Only the module of the command
// being run is loaded (all of them for the overall help), so `plainwire browse` does not pay for lmdb, pino and
// the chat server at start-up.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { enableCompileCache } from './compile-cache.js';

// Before anything else is imported (hence the dynamic imports below), so that their compiled code is cached too.
enableCompileCache();
const { Command: Program } = await import('commander');
const { readPackageVersion } = await import('./version.js');

type Registrar = { register(program: Command): void };

// In the order `plainwire --help` lists them.
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  serve: () => import('./serve.js'),
  browse: () => import(browseModule()),
  store: () => import('./store.js'),
  kv: () => import('./kv.js'),
  imchat: () => import('./imchat.js'),
  'chat-server': () => import('./chat-server.js'),
  chat: () => import('./chat.js'),
  connect: () => import('./connect.js'),
  'echo-server': () => import('./echo-server.js'),
  'ego-server': () => import('./ego-server.js'),
  lab: () => import('./lab.js'),
};

/**
 * The bundle of `browse` (scripts/build-browse.mjs: one module instead of about eighty to resolve, read and link)
 * when the build made one after the last compile; else the modules tsc wrote.
 */
function browseModule(): string {
  try {
    const bundle = statSync(new URL('./browse.bundle.js', import.meta.url)).mtimeMs;
    if (bundle >= statSync(new URL('./browse.js', import.meta.url)).mtimeMs) return './browse.bundle.js';
  } catch {}
  return './browse.js';
}

const program = new Program();
program
  .name('plainwire')
  .description('Small, real distributed systems whose every protocol is plain text you can type into telnet.')
  .version(readPackageVersion(), '-V, --version')
  .showHelpAfterError('(add --help for usage)')
  // Bad usage exits 2, as the CLI conventions say; commander's default is 1.
  .exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    if (err.code === 'commander.help') process.exit(0);
    process.exit(2);
  });

const named = process.argv[2];
// --version needs no command at all (loading them all is most of its time).
const loaders =
  named === '-V' || named === '--version'
    ? []
    : named !== undefined && Object.hasOwn(COMMANDS, named)
      ? [COMMANDS[named]!]
      : Object.values(COMMANDS);
for (const command of await Promise.all(loaders.map((load) => load()))) command.register(program);

await program.parseAsync(process.argv);
