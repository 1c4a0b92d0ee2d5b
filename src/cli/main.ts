#!/usr/bin/env node
// The `plainwire` executable: one commander program, one module per subcommand. Only the module of the command
// being run is loaded (all of them for the overall help), so `plainwire browse` does not pay for lmdb, pino and
// the chat server at start-up.
import type { Registrar } from './program.js';
import { enableCompileCache } from './compile-cache.cjs';

// Before anything else is imported (hence the dynamic imports below), so that their compiled code is cached too.
enableCompileCache();
const { createProgram } = await import('./program.js');

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

const program = createProgram();

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
