// `plainwire echo-server`: the line framework's first example, each line answered upper-cased.
import type { Command } from 'commander';
import { EchoServer } from '../line/echo-server.js';
import { registerLineExample } from './line-example-command.js';

export function register(program: Command): void {
  registerLineExample(program, {
    name: 'echo-server',
    description: 'line server that answers each line upper-cased (an example of the line framework)',
    defaultPort: 8091,
    example:
      '  $ plainwire echo-server --port 8091\n  $ plainwire connect 127.0.0.1 8091     (type "hello", get "HELLO")',
    createServer: (options) => new EchoServer(options),
  });
}
