// `plainwire imchat STORE_URL --name NAME`: chat through a plainwire store, live or in turns (src/imchat/).
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import { formatEvent, turnPrompt } from '../imchat/display.js';
import { IMCHAT_HELP, parseImchatInput } from '../imchat/input.js';
import { eraseSubmittedLine, printAboveInput } from '../chat/terminal.js';
import { defaultConfigDir } from '../imchat/identity.js';
import { nameProblem } from '../imchat/keys.js';
import {
  DEFAULT_HISTORY,
  DEFAULT_PRESENCE_TTL_SECONDS,
  DEFAULT_ROOM,
  ImchatError,
  ImchatSession,
} from '../imchat/session.js';
import { makeStyle, shouldColour } from '../term/style.js';
import { splitUrlList } from '../store/client-protocol.js';
import { NAME_RULE } from '../text/names.js';
import { sanitizeLine } from '../text/sanitize.js';
import { MAX_TTL_S } from '../store/api-params.js';
import { parsePositiveInt, parseSeconds } from './options.js';

interface ImchatOptions {
  name: string;
  room: string;
  turns?: boolean;
  tui?: boolean;
  token?: string;
  history: number;
  presenceTtl: number;
  configDir: string;
}

const checkName = (kind: 'name' | 'room') => (value: string) => {
  const problem = nameProblem(kind, value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
};

function parseStoreUrl(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:') throw new Error('not http');
    return url.href;
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a store URL (e.g. http://127.0.0.1:8001)`);
  }
}

/** One store URL, or the nodes of one clustered store separated by commas. */
function parseStoreUrls(value: string): string | string[] {
  let urls: string[];
  try {
    urls = splitUrlList(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (urls.length === 1) return parseStoreUrl(urls[0]!);
  return urls.map((url, i) => {
    try {
      return parseStoreUrl(url);
    } catch (err) {
      throw new InvalidArgumentError(`store URL ${i + 1} of ${urls.length}: ${(err as Error).message}`);
    }
  });
}

export function register(program: Command): void {
  program
    .command('imchat')
    .description('chat with others through a plainwire store: live (default), or two people taking turns')
    .argument(
      '<store-url>',
      'the store to talk through, e.g. http://127.0.0.1:8001; the nodes of a clustered store separated by commas',
      parseStoreUrls,
    )
    .requiredOption(
      '--name <name>',
      `your name in the room (${NAME_RULE}; case does not count)`,
      checkName('name'),
    )
    .option('--room <room>', 'the room to join', checkName('room'), DEFAULT_ROOM)
    .option('--turns', 'turn mode: exactly two people alternate, one message each')
    .option('--tui', 'full-screen client: messages, who is present, status line and input line apart')
    .option('--token <token>', "the store's --token, if it has one")
    .option(
      '--history <n>',
      'messages a newcomer sees (and each sender keeps)',
      parsePositiveInt,
      DEFAULT_HISTORY,
    )
    .option(
      '--presence-ttl <seconds>',
      'how soon a vanished client is noticed (refreshed every third of it)',
      parseSeconds({ whole: true, max: MAX_TTL_S }),
      DEFAULT_PRESENCE_TTL_SECONDS,
    )
    .option(
      '--config-dir <dir>',
      'where your signing key (imchat/NAME.key) and the keys you have seen are kept (env PLAINWIRE_CONFIG_DIR)',
      defaultConfigDir(),
    )
    .addHelpText(
      'after',
      `
Examples:
  plainwire store --port 8001 &
  plainwire imchat http://127.0.0.1:8001 --name alice            # live room "lobby"
  plainwire imchat http://127.0.0.1:8001 --name bob --turns --room pair
  printf 'hello\\nbye\\n' | plainwire imchat 127.0.0.1:8001 --name carol
  plainwire imchat http://10.0.0.1:8001,http://10.0.0.2:8001 --name dave   # nodes of one clustered store
  plainwire imchat http://127.0.0.1:8001 --name dan --tui          # full screen

Lines look like "[12:00:01] alice: hello" and "[12:00:02] * bob joined". Every message is signed with your key
(made on first use in the config directory); a line that is not verifiably its sender's reads
"[unverified: why] alice: ...", and deleted messages show as "* 2 messages from alice missing". Type /who to list who is present,
/help for the commands, /quit (or Ctrl-D) to leave; "//" says a line that starts with "/". Piped input: every line is sent (in turn mode: spoken on your turns), then the
client leaves once the store has acknowledged them all. Restarting with the same name continues where you
left off. With several store URLs (the nodes of one store started with --etcd) the client stays on a node that
answers and moves to the next when it fails. --tui: full screen (Enter sends, Up/Down recall, PgUp/PgDn scroll,
Tab completes a name, Ctrl-C or /quit leaves; in turn mode a line typed out of turn is held, "waiting for your
turn"). Key layout and protocol: docs/IMCHAT.md.`,
    )
    .action(async (url: string | string[], options: ImchatOptions) => {
      process.exit(await runImchat(url, options));
    });
}

async function runImchat(url: string | string[], options: ImchatOptions): Promise<number> {
  if (options.tui === true) {
    // As for chat --tui: ink reads CI when it loads and then draws only the last frame (a blank screen); --tui
    // runs only on a terminal, so someone is watching. Loaded here, so the line client never loads ink.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const { runImchatTui } = await import('../imchat/tui/index.js');
    return runImchatTui({
      url,
      name: options.name,
      room: options.room,
      turns: options.turns === true,
      ...(options.token !== undefined ? { token: options.token } : {}),
      history: options.history,
      presenceTtlSeconds: options.presenceTtl,
      configDir: options.configDir,
      colour: shouldColour(process.stdout),
    });
  }
  const stdout = process.stdout;
  const interactive = process.stdin.isTTY === true && stdout.isTTY === true;
  const style = makeStyle(shouldColour(stdout));
  stdout.on('error', () => {}); // a closed pipe on the reader's side must not crash the client

  let rl: ReturnType<typeof createInterface> | undefined;
  let prompt = '> ';
  // Incoming text never mangles the line being typed: clear it, print, and redraw the prompt with its text.
  const print = (line: string, stream: NodeJS.WriteStream = stdout) => {
    if (rl && interactive) {
      printAboveInput(stdout, rl, line, stream);
    } else stream.write(`${line}\n`);
  };
  const status = (message: string) => print(`plainwire imchat: ${message}`, process.stderr);

  let session: ImchatSession;
  try {
    session = await ImchatSession.start({
      url,
      name: options.name,
      room: options.room,
      turns: options.turns === true,
      ...(options.token !== undefined ? { token: options.token } : {}),
      history: options.history,
      presenceTtlSeconds: options.presenceTtl,
      configDir: options.configDir,
      onEvent: (event) => {
        if (event.kind === 'turn') {
          prompt = turnPrompt(event);
          rl?.setPrompt(prompt);
        }
        print(formatEvent(event, style, options.name));
      },
      onStatus: status,
    });
  } catch (err) {
    if (err instanceof ImchatError) {
      process.stderr.write(`plainwire imchat: ${err.message}\n`);
      return err.code === 'BAD_NAME' ? 2 : 1;
    }
    throw err;
  }

  rl = createInterface({
    input: process.stdin,
    output: interactive ? stdout : undefined,
    terminal: interactive,
  });
  if (interactive) {
    rl.setPrompt(prompt);
    rl.prompt();
  }
  let ending: 'end' | 'close' | undefined;
  // End of input waits to speak the queued lines (in turn mode, for a partner); Ctrl-C or SIGTERM after it must
  // still leave now.
  const finish = (how: 'end' | 'close') => {
    if (ending === 'close' || ending === how) return;
    ending = how;
    void (how === 'end' ? session.end() : session.close());
  };
  rl.on('line', (line) => {
    // The message is printed once the store has it; drop the echo of what was typed.
    if (interactive) eraseSubmittedLine(stdout, prompt + line);
    const input = parseImchatInput(line);
    if (input.kind === 'quit') return finish('close');
    if (input.kind === 'who') print(`* present: ${session.present.join(', ')}`);
    else if (input.kind === 'help') for (const help of IMCHAT_HELP) print(`* ${help}`);
    else if (input.kind === 'error') print(`* ${sanitizeLine(input.message)}`, process.stderr);
    else if (input.kind === 'send') {
      if (interactive && options.turns === true && !session.myTurn)
        print(`* queued: "${sanitizeLine(input.text)}" will be said on your turn`);
      session.send(input.text);
    }
    if (interactive) rl?.prompt();
  });
  rl.on('close', () => finish('end'));
  rl.on('SIGINT', () => finish('close'));
  process.once('SIGINT', () => finish('close'));
  process.once('SIGTERM', () => finish('close'));
  await session.done;
  rl.close();
  if (interactive) stdout.write('\n');
  return 0;
}
