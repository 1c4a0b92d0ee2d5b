// `plainwire serve [DIR]`: the lab's `python -m SimpleHTTPServer`, telnet-friendly down to HTTP/0.9.
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { DEFAULT_LIMITS, ServeRootError, type ServeLimits, startStaticServer } from '../web/server.js';
import { parsePort, parsePositiveInt, parseSeconds } from './options.js';
import { runServer } from './server-run.js';

interface ServeOptions {
  host: string;
  port: number;
  headerTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
}

/** Whole seconds, at most a day (a timer of more than about 24.8 days would fire at once). */
function limitsOf(options: ServeOptions): Partial<ServeLimits> {
  return {
    headersTimeoutMs: options.headerTimeout * 1000,
    keepAliveTimeoutMs: options.keepAliveTimeout * 1000,
    maxConnections: options.maxConnections,
  };
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the files of a directory over HTTP (HTTP/0.9 too, for telnet)')
    .argument('[dir]', 'the directory to serve', '.')
    .option('--host <host>', 'address to listen on (use 0.0.0.0 to let other machines in)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8000)
    .option(
      '--header-timeout <seconds>',
      'a client must send its request line and headers within this many seconds of connecting',
      parseSeconds({ max: 86_400 }),
      DEFAULT_LIMITS.headersTimeoutMs / 1000,
    )
    .option(
      '--keep-alive-timeout <seconds>',
      'an idle kept-alive connection is closed after this many seconds',
      parseSeconds({ max: 86_400 }),
      DEFAULT_LIMITS.keepAliveTimeoutMs / 1000,
    )
    .option(
      '--max-connections <n>',
      'connections served at once (see "Slow clients" below)',
      parsePositiveInt,
      DEFAULT_LIMITS.maxConnections,
    )
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

Slow clients: a request's line and headers must arrive within --header-timeout seconds of connecting (408
otherwise; typing by hand in telnet, raise it). When --max-connections are open, a new connection takes the
place of the one that has waited longest without a request in progress (slow or idle), so clients holding
sockets open cannot lock others out; only when every connection is being answered does a client get 503.

Ctrl-C (SIGINT) stops the server and exits 130, SIGTERM exits 143; a second Ctrl-C exits at once.
See docs/SERVE.md for the telnet sessions, line by line, and the limits.`,
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
                limits: limitsOf(options),
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
