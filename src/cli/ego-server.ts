// `plainwire ego-server`: the lab's example server that answers any line with a sentence about itself, then
// hangs up.
import type { Command } from 'commander';
import { EgoServer } from '../line/ego-server.js';
import { createLogger } from '../log.js';
import { formatHostPort, parsePort } from './options.js';
import { runServer } from './server-run.js';

export function register(program: Command): void {
  program
    .command('ego-server')
    .description('line server that answers any line with a sentence about itself, then disconnects you')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 8092)
    .addHelpText(
      'after',
      '\nExample:\n  $ plainwire ego-server\n  $ echo hi | plainwire connect 127.0.0.1 8092\n',
    )
    .action(async (opts: { host: string; port: number }) => {
      const logger = createLogger('ego-server');
      const server = new EgoServer({ logger, telnet: true });
      await runServer({
        command: 'ego-server',
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
