// `plainwire serve [DIR]`: the lab's `python -m SimpleHTTPServer`, telnet-friendly down to HTTP/0.9.
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { ServeRootError, startStaticServer } from '../web/server.js';
import { parsePort } from './options.js';
import { runServer } from './server-run.js';

interface ServeOptions {
  host: string;
  port: number;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the files of a directory over HTTP (HTTP/0.9 too, for telnet)')
    .argument('[dir]', 'the directory to serve', '.')
    .option('--host <host>', 'address to listen on (use 0.0.0.0 to let other machines in)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8000)
    .addHelpText(
      'after',
      `
Examples:
  plainwire serve examples/site            # then: plainwire browse http://127.0.0.1:8000/
  plainwire serve . --port 8080
  telnet 127.0.0.1 8000                    # then type: GET /page1.html and press Enter
  curl -I http://127.0.0.1:8000/page1.html  # headers only (HEAD)
  curl -r 0-99 http://127.0.0.1:8000/page1.html   # the first 100 bytes (206 Partial Content)

Directories show their index.html, or a listing. Hidden files (.git, .env) are never served.
See docs/SERVE.md for the telnet sessions, line by line.`,
    )
    .action(async (dir: string, options: ServeOptions) => {
      const logger = createLogger('serve');
      // createLogger is human-readable exactly when stderr is a terminal: there, one line per request is enough.
      const logFields = process.stderr.isTTY !== true;
      try {
        const server = await runServer({
          command: 'serve',
          host: options.host,
          port: options.port,
          start: async () => {
            try {
              const server = await startStaticServer({
                root: dir,
                host: options.host,
                port: options.port,
                logger,
                logFields,
              });
              return {
                ...server,
                stop: async () => {
                  logger.info('stopping');
                  await server.stop();
                  logger.info('stopped');
                },
              };
            } catch (err) {
              if (err instanceof ServeRootError) {
                process.stderr.write(`plainwire serve: ${err.message} (give the directory to serve)\n`);
                process.exit(1);
              }
              throw err;
            }
          },
        });
        // Logged only now that runServer handles SIGINT/SIGTERM: whoever waits for this line may signal at once.
        if (logFields) logger.info({ root: server.root, url: server.url }, `listening on ${server.url}`);
        else logger.info(`listening on ${server.url} (serving ${server.root})`);
      } catch (err) {
        process.stderr.write(`plainwire serve: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}
