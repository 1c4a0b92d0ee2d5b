#!/usr/bin/env node
// The `plainwire` executable: one commander program, one module per subcommand.
import { Command } from 'commander';
import { readPackageVersion } from './version.js';
import { register as registerEchoServer } from './echo-server.js';
import { register as registerEgoServer } from './ego-server.js';
import { register as registerConnect } from './connect.js';
import { register as registerChatServer } from './chat-server.js';
import { register as registerChat } from './chat.js';
import { register as registerStore } from './store.js';
import { register as registerKv } from './kv.js';
import { register as registerImchat } from './imchat.js';
import { register as registerServe } from './serve.js';
import { register as registerBrowse } from './browse.js';

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

for (const register of [
  registerServe,
  registerBrowse,
  registerStore,
  registerKv,
  registerImchat,
  registerChatServer,
  registerChat,
  registerConnect,
  registerEchoServer,
  registerEgoServer,
]) {
  register(program);
}

await program.parseAsync(process.argv);
