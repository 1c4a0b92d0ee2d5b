// `plainwire echo-server`: the line framework's first example, each line answered upper-cased.
import type { Command } from 'commander';
import { EchoServer } from '../line/echo-server.js';
import { createLogger } from '../log.js';
import { formatHostPort, parsePort } from './options.js';
import { runServer } from './server-run.js';

export function register(program: Command): void {
  program
    .command('echo-server')
    .description('line server that answers each line upper-cased (an example of the line framework)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 8091)
    .addHelpText(
      'after',
      '\nExample:\n  $ plainwire echo-server --port 8091\n  $ plainwire connect 127.0.0.1 8091     (type "hello", get "HELLO")\n',
    )
    .action(async (opts: { host: string; port: number }) => {
      const logger = createLogger('echo-server');
      const server = new EchoServer({ logger, telnet: true });
      await runServer({
        command: 'echo-server',
        host: opts.host,
        port: opts.port,
        start: async () => {
          const address = await server.start({ host: opts.host, port: opts.port });
          logger.info(`listening on ${formatHostPort(address.host, address.port)}`);
          return {
            stop: async () => {
              logger.info('stopping');
              await server.stop();
              logger.info('stopped');
            },
          };
        },
      });
    });
}
