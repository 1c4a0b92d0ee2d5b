// `plainwire kv`: placeholder until its issue lands.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kv')
    .description('(not built yet)')
    .action(() => {
      process.stderr.write('plainwire kv: not built yet\n');
      process.exit(1);
    });
}
