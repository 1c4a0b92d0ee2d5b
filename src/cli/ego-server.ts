// `plainwire ego-server`: the lab's example server that answers any line with a sentence about itself, then
// hangs up.
import type { Command } from 'commander';
import { EgoServer } from '../line/ego-server.js';
import { registerLineExample } from './line-example-command.js';

export function register(program: Command): void {
  registerLineExample(program, {
    name: 'ego-server',
    description: 'line server that answers any line with a sentence about itself, then disconnects you',
    defaultPort: 8092,
    example: '  $ plainwire ego-server\n  $ echo hi | plainwire connect 127.0.0.1 8092',
    createServer: (options) => new EgoServer(options),
  });
}
