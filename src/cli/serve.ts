// `plainwire serve`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('serve')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire serve: not built yet\n');
      process.exit(1);
    });
}
