// The shape both example line servers share as commands: --host/--port, a logger, the listening line, a clean
// stop. Each command file says only what differs (name, port, help, which server).
import type { Command } from 'commander';
import type { LineServer, LineServerOptions } from '../line/server.js';
import { createLogger } from '../log.js';
import { formatHostPort } from '../text/host-port.js';
import { parsePort } from './options.js';
import { runServer } from './server-run.js';

export interface LineExampleCommand {
  name: string;
  description: string;
  defaultPort: number;
  example: string;
  createServer(options: LineServerOptions): LineServer;
}

export function registerLineExample(program: Command, spec: LineExampleCommand): void {
  program
    .command(spec.name)
    .description(spec.description)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, spec.defaultPort)
    .addHelpText('after', `\nExample:\n${spec.example}\n`)
    .action(async (opts: { host: string; port: number }) => {
      const logger = createLogger(spec.name);
      // These are the servers a learner first telnets into: Ctrl-C there must not leave telnet waiting.
      const server = spec.createServer({ logger, telnet: true });
      await runServer({
        command: spec.name,
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
