#!/usr/bin/env node
// The `plainwire` executable: one commander program, one module per subcommand. Only the module of the command
// being run is loaded (all of them for the overall help), so `plainwire browse` does not pay for lmdb, pino and
// the chat server at start-up.
import module from 'node:module';
import type { Command } from 'commander';

// Node 22.1 and later can keep V8's compiled code of each module on disk (in the OS temporary directory, unless
// NODE_COMPILE_CACHE says where; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so that each run after the first
// skips compiling plainwire and its libraries: `browse --dump` of a small page 56 to 48 ms on Node 24. TypeScript's
// tsc does the same. Node 20 has no such cache. It is enabled before anything else is imported, hence the
// dynamic imports below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { Command: Program } = await import('commander');
const { readPackageVersion } = await import('./version.js');

type Registrar = { register(program: Command): void };

// In the order `plainwire --help` lists them.
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  serve: () => import('./serve.js'),
  browse: () => import('./browse.js'),
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
// --version needs no command at all (it took 140 ms with every command loaded, 60 ms without).
const loaders =
  named === '-V' || named === '--version'
    ? []
    : named !== undefined && Object.hasOwn(COMMANDS, named)
      ? [COMMANDS[named]!]
      : Object.values(COMMANDS);
for (const command of await Promise.all(loaders.map((load) => load()))) command.register(program);

await program.parseAsync(process.argv);
