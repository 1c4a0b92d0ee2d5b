// `plainwire store`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('store')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire store: not built yet\n');
      process.exit(1);
    });
}
