// `plainwire chat`: the chat client for people (a terminal) and scripts (a pipe).
import { type Command, InvalidArgumentError } from 'commander';
import { notAName } from '../chat/input.js';
import { runChatSession } from '../chat/terminal.js';
import { shouldColour } from '../term/style.js';
import { isValidName, NAME_RULE } from '../text/names.js';
import { parseServerAddress } from './options.js';

/** A name the server would refuse is bad usage (exit 2), found before connecting. */
function parseName(value: string): string {
  if (!isValidName(value)) throw new InvalidArgumentError(notAName(value));
  return value;
}

export function register(program: Command): void {
  program
    .command('chat')
    .description('chat client: connect to a chat-server, register a name, talk')
    .argument(
      '[server]',
      'HOST[:PORT] of the chat server; HOST:PORT,HOST:PORT,... for nodes of one cluster (moves to the next when one dies)',
      '127.0.0.1:8090',
    )
    .option('--name <name>', `your screen name (${NAME_RULE}); asked for on a terminal if missing`, parseName)
    .option(
      '--tui',
      'full-screen mode: messages, the users and groups beside them, an input line (needs --name)',
    )
    .addHelpText(
      'after',
      `
Type text to say it to everyone; /msg name[,name] text, /join g, /leave g, /g group text, /users [from],
/groups [from], /nick new, /help, /quit (or Ctrl-D).

Examples:
  $ plainwire chat --name ada                       (server on 127.0.0.1:8090)
  $ plainwire chat chat.example:9000 --name ada
  $ plainwire chat 127.0.0.1:8090,127.0.0.1:8091 --name ada   (a cluster: when a node dies, the session moves
                                                     to the next, registers ada again and joins ada's groups
                                                     again; --tui too)
  $ printf 'hello\\n/users\\n' | plainwire chat --name bot     (scripted: replies and events on stdout)
  $ plainwire chat --tui --name ada                 (full screen: Enter sends, Up/Down recall, PgUp/PgDn
                                                     scroll, Tab completes a name, Ctrl-C or /quit leaves)

Exit status: 0 after /quit, end of input or SIGTERM; 1 if the server cannot be reached, the name is taken or
the server goes away, and for piped input also if any command was refused (each refusal is a line starting
with "!!" on stdout; the count goes to stderr); 2 for bad usage.`,
    )
    .action(async (server: string, opts: { name?: string; tui?: boolean }) => {
      let servers: Array<{ host: string; port: number }>;
      try {
        servers = server
          .split(',')
          .filter((s) => s.trim() !== '')
          .map((s) => {
            const parsed = parseServerAddress(s.trim());
            return { host: parsed.host, port: parsed.port ?? 8090 };
          });
        if (servers.length === 0) throw new Error(`"${server}" names no server`);
      } catch (err) {
        process.stderr.write(`plainwire chat: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const address = servers[0]!;
      if (opts.tui) {
        // As for browse --tui: ink reads CI when it loads and then draws only the last frame (a blank screen);
        // --tui runs only on a terminal, so someone is watching. Loaded here, so other commands never load ink.
        delete process.env.CI;
        delete process.env.CONTINUOUS_INTEGRATION;
        const { runChatTui } = await import('../chat/tui/index.js');
        const code = await runChatTui({
          servers,
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          colour: shouldColour(process.stdout),
        });
        process.stderr.write('', () => process.exit(code));
        return;
      }
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      // Killed politely (SIGTERM, or the terminal closing: SIGHUP): say QUIT and exit 0, like end of input.
      const stop = new AbortController();
      for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stop.abort());
      const code = await runChatSession({
        stop: stop.signal,
        ...address,
        servers,
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        input: process.stdin,
        output: process.stdout,
        errors: process.stderr,
        interactive,
        colour: shouldColour(process.stdout),
      });
      // stdin may still be open (the server went away mid-session): exit once stdout is flushed.
      process.stdout.write('', () => process.exit(code));
    });
}
