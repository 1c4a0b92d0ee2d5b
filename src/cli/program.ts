// The `plainwire` commander program, shared by the two ways the executable starts: src/cli/main.ts (modules
// loaded as needed) and src/cli/snapshot.ts (`plainwire browse` restored from a V8 startup snapshot).
import { Command } from 'commander';
import { readPackageVersion } from './version.js';

export type Registrar = { register(program: Command): void };

/** The program with no commands yet: name, help and exit codes. */
export function createProgram(): Command {
  return (
    new Command()
      .name('plainwire')
      .description(
        'Small, real distributed systems whose every protocol is plain text you can type into telnet.',
      )
      .version(readPackageVersion(), '-V, --version')
      .showHelpAfterError('(add --help for usage)')
      // Bad usage exits 2, as the CLI conventions say; commander's default is 1.
      .exitOverride((err) => {
        if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
        if (err.code === 'commander.help') process.exit(0);
        process.exit(2);
      })
  );
}
