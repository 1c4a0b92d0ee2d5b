// `plainwire connect`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('connect')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire connect: not built yet\n');
      process.exit(1);
    });
}
