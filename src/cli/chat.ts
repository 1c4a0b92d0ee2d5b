// `plainwire chat`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('chat')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire chat: not built yet\n');
      process.exit(1);
    });
}
