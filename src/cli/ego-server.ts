// `plainwire ego-server`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('ego-server')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire ego-server: not built yet\n');
      process.exit(1);
    });
}
