// `plainwire connect HOST PORT`: a line client like telnet, for trying every plainwire protocol by hand or
// from a script. Server lines are sanitised before they reach the terminal.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { printAboveInput } from '../chat/terminal.js';
import { ConnectClient } from '../connect/client.js';
import { LineConnectError } from '../line/errors.js';
import { sanitizeLine } from '../text/sanitize.js';
import { formatHostPort } from '../text/host-port.js';
import { parsePositiveInt, parseSeconds, parseServerAddress, parseServerPort } from './options.js';

const CLOSE_MESSAGES: Record<string, string> = {
  reset: 'connection reset by the server',
  timeout: 'connection timed out',
  'line-too-long': 'the server sent a line longer than --max-line-bytes; disconnected',
  error: 'connection failed',
};

interface ConnectOptions {
  wait: number;
  timeout: number;
  maxLineBytes: number;
  lf?: boolean;
}

export function register(program: Command): void {
  program
    .command('connect')
    .description('line client like telnet: your lines go to the server, its lines come to you')
    .argument('<host>', 'server host, e.g. 127.0.0.1 (or HOST:PORT in one word)')
    .argument('[port]', 'server port', parseServerPort)
    .option(
      '--wait <seconds>',
      'when input ends, how long to wait for the server to finish answering',
      parseSeconds({ zero: true }),
      2,
    )
    .option('--timeout <seconds>', 'give up connecting after this long', parseSeconds(), 10)
    .option('--max-line-bytes <n>', 'longest line accepted from the server', parsePositiveInt, 1024 * 1024)
    .option('--lf', 'end the lines you send with "\\n" alone instead of "\\r\\n"')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ plainwire connect 127.0.0.1 8090                  (type lines; Ctrl-D or Ctrl-C to quit)',
        "  $ printf 'hello\\nworld\\n' | plainwire connect 127.0.0.1 8091",
        "  $ printf 'GET / HTTP/1.0\\n\\n' | plainwire connect 127.0.0.1 8000   (an HTTP request: note the empty line)",
        '',
        'Every line is sent as typed, an empty one too, ended by "\\r\\n" as telnet does: HTTP, SMTP and the',
        'other internet text protocols want it, and every plainwire server takes it. --lf sends "\\n" alone,',
        'for a server that would keep the "\\r" as part of the line. What the server sends is shown line by',
        'line, empty lines included, with control characters and escape sequences removed.',
        '',
        'With piped input every line is sent; when the input ends the connection is half-closed and the',
        'command waits (up to --wait seconds) for the server to answer and close. Exit status: 0 on a normal',
        'end, 1 if the server cannot be reached or the connection drops.',
        '',
      ].join('\n'),
    )
    .action(async (host: string, port: number | undefined, opts: ConnectOptions) => {
      if (port === undefined) {
        let parsed: { host: string; port: number | undefined };
        try {
          parsed = parseServerAddress(host);
        } catch (err) {
          process.stderr.write(`plainwire connect: ${(err as Error).message}\n`);
          process.exit(2);
        }
        if (parsed.port === undefined) {
          process.stderr.write(
            `plainwire connect: which port? e.g. plainwire connect ${host} 8090 (or ${host}:8090)\n`,
          );
          process.exit(2);
        }
        host = parsed.host;
        port = parsed.port;
      }
      // "[::1] 8090": the brackets only keep an IPv6 address apart from a port; the address is what is inside.
      await runConnect(host.replace(/^\[(.*)\]$/, '$1'), port, opts);
    });
}

async function runConnect(host: string, port: number, opts: ConnectOptions): Promise<void> {
  const where = formatHostPort(host, port);
  const client = new ConnectClient({
    lineEnd: opts.lf ? '\n' : '\r\n',
    maxLineBytes: opts.maxLineBytes,
    lingerMs: opts.wait * 1000,
  });
  try {
    await client.connect(host, port, Math.max(1, opts.timeout * 1000));
  } catch (err) {
    const message =
      err instanceof LineConnectError ? err.message : `cannot connect to ${where}: ${String(err)}`;
    process.stderr.write(`plainwire connect: ${message}\n`);
    process.exit(1);
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let inputEnded = false;
  let exiting = false;
  const exit = (code: number, message?: string) => {
    if (exiting) return;
    exiting = true;
    if (message) process.stderr.write(`plainwire connect: ${message}\n`);
    // Exit only once the server's last lines are out (stdout is asynchronous on some pipes).
    if (process.stdout.writableLength === 0) process.exit(code);
    process.stdout.once('drain', () => process.exit(code));
    setTimeout(() => process.exit(code), 2000).unref();
  };
  // A reader that went away (`| head -1`) is a normal end, not a crash.
  process.stdout.on('error', () => exit(0));

  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  rl.setPrompt('');
  if (interactive) process.stderr.write(`connected to ${where} (Ctrl-D or Ctrl-C to quit)\n`);

  client.onLine = (line) => {
    const text = sanitizeLine(line);
    if (interactive) {
      // Above what the user is typing (every row of it), then their unfinished line again.
      printAboveInput(process.stdout, rl, text);
    } else {
      process.stdout.write(`${text}\n`);
    }
  };
  // A line the server leaves open ("login: ") is the prompt, as in telnet: what you type goes after it.
  let openLine = '';
  if (interactive) {
    client.onPartial = (text) => {
      const shown = sanitizeLine(text);
      if (shown === openLine) return;
      openLine = shown;
      rl.setPrompt(shown);
      rl.prompt(true);
    };
  }
  client.onClose = (reason) => {
    const whileTyping = !inputEnded;
    inputEnded = true;
    // Leave a half-typed line (or a prompt the server left open) where it is and say goodbye (or give the
    // shell back) on a line of its own.
    if (interactive && (rl.line.length > 0 || openLine !== '')) process.stdout.write('\n');
    rl.close();
    if (reason === 'client-closed') exit(0);
    else if (reason === 'server-closed')
      exit(0, interactive && whileTyping ? 'connection closed by the server' : undefined);
    else exit(1, `${CLOSE_MESSAGES[reason] ?? `connection lost (${reason})`}`);
  };

  rl.on('line', (line) => {
    if (openLine !== '') {
      // Answered: it stays on the screen in front of the answer, and the server's next line starts afresh.
      client.dropPartial();
      openLine = '';
      rl.setPrompt('');
    }
    // A stray "\r" cannot travel inside a line; the chosen line end is the only one there is. An empty line
    // is sent like any other: it ends an HTTP request's head, and SMTP's DATA may hold one.
    client.send(line.replace(/\r/g, ''));
    // Piped input can be far larger than memory should hold: read on only as the server takes it.
    if (client.bufferedBytes > 1024 * 1024) {
      rl.pause();
      client.once('drain', () => rl.resume());
    }
  });
  rl.on('close', () => {
    if (inputEnded) return;
    inputEnded = true;
    client.end();
  });
  rl.on('SIGINT', () => {
    inputEnded = true;
    client.close();
  });
}
