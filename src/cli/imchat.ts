// `plainwire imchat`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('imchat')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire imchat: not built yet\n');
      process.exit(1);
    });
}
