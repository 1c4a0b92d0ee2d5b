// `plainwire browse`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('browse')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire browse: not built yet\n');
      process.exit(1);
    });
}
