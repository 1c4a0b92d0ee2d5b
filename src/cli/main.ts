#!/usr/bin/env node
// The `plainwire` executable: one commander program, one module per subcommand. Only the module of the command
// being run is loaded (all of them for the overall help), so `plainwire browse` does not pay for lmdb, pino and
// the chat server at start-up.
import { Command } from 'commander';
import { readPackageVersion } from './version.js';

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
};

const program = new Command();
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
const loaders =
  named !== undefined && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]!] : Object.values(COMMANDS);
for (const module of await Promise.all(loaders.map((load) => load()))) module.register(program);

await program.parseAsync(process.argv);
