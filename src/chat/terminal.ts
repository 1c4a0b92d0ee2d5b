// The `plainwire chat` session: connect, register, then turn typed (or piped) lines into commands while events
// are printed as they arrive. On a TTY the line being typed is redrawn under each incoming line.
import { clearScreenDown, createInterface, cursorTo, type Interface, moveCursor } from 'node:readline';
import stringWidth from 'string-width';
import { formatHostPort } from '../text/host-port.js';
import { DEFAULT_MAX_LINE_BYTES } from '../line/index.js';
import { makeStyle } from '../term/style.js';
import { ChatClient, ChatReplyError } from './client.js';
import { canFailOver, connectToAny, failOver, movedNotice, movingNotice } from './failover.js';
import { ChatDisplay } from './display.js';
import { notAName, parseInput, slashHelp } from './input.js';
import { isValidName, nameKey } from '../text/names.js';
import type { Reply } from './protocol.js';

export interface ChatSessionOptions {
  host: string;
  port: number;
  /**
   * Nodes of one chat cluster to move between (the first is host:port). When the connection to one is lost,
   * the session connects to the next, registers the same name again and says so; with one server, losing it
   * ends the session.
   */
  servers?: ReadonlyArray<{ host: string; port: number }>;
  /** How long a failover may try before the session gives up (default 30 000 ms). */
  failoverMs?: number;
  name?: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns?: number };
  /** Fatal problems (unreachable, gone away, name taken on a pipe). */
  errors: NodeJS.WritableStream;
  /** A person at a terminal: prompt, redraw, ask again for a taken name. Otherwise a script on a pipe. */
  interactive: boolean;
  colour: boolean;
  /**
   * Commands sent but not yet answered before reading more input. Keeps a long piped script inside the
   * server's flood limit (it cuts off clients with 100 commands waiting) by pacing it instead. Default 20.
   */
  maxInFlight?: number;
  /** Longest command line the server accepts (its --max-line-bytes; default 4096). */
  maxLineBytes?: number;
  /** Aborted to leave politely, as at end of input (the CLI aborts it on SIGTERM and SIGHUP). */
  stop?: AbortSignal;
}

/**
 * Clears the prompt and the line being typed - every row of it when it wraps - leaving the cursor where the
 * prompt began, so a line printed there and a redrawn prompt leave no half of the typed line behind.
 */
function eraseInputRows(output: NodeJS.WritableStream, rl: Interface): void {
  const { rows } = rl.getCursorPos();
  if (rows > 0) moveCursor(output, 0, -rows);
  cursorTo(output, 0);
  clearScreenDown(output);
}

/**
 * Prints a line above the prompt and the line being typed, then redraws them. readline's redraw first moves
 * up as many rows as the cursor was into the typed line; that many empty rows below the printed line are
 * what it moves back over, so the printed line is not drawn over.
 */
export function printAboveInput(
  output: NodeJS.WritableStream,
  rl: Interface,
  line: string,
  stream: NodeJS.WritableStream = output,
): void {
  const { rows } = rl.getCursorPos();
  eraseInputRows(output, rl);
  stream.write(`${line}\n`);
  if (rows > 0) output.write('\n'.repeat(rows));
  rl.prompt(true);
}

/**
 * After Enter, readline has echoed "prompt + typed" and moved to a new row: clears all the rows it took, so
 * the line can be shown again as the others will see it.
 */
export function eraseSubmittedLine(
  output: NodeJS.WritableStream & { columns?: number },
  echoed: string,
): void {
  const columns = output.columns || 80;
  const rows = Math.max(1, Math.ceil(stringWidth(echoed) / columns));
  output.write(`\u001b[${rows}A\r\u001b[J`);
}

// Both ends count: `plainwire chat > log` at a terminal cannot show the question it would ask.
const NAME_REQUIRED =
  '--name is required unless both input and output are a terminal (only there is the name asked for)';

/**
 * Exit codes: 0 after /quit or end of input, 1 when the server is unreachable or goes away (or, for piped
 * input, refused any of its commands), 2 for bad usage.
 */
export async function runChatSession(o: ChatSessionOptions): Promise<number> {
  const servers = o.servers && o.servers.length > 0 ? o.servers : [{ host: o.host, port: o.port }];
  let current = 0;
  let where = formatHostPort(servers[0]!.host, servers[0]!.port);
  const display = new ChatDisplay(makeStyle(o.colour));
  let client = new ChatClient();
  let promptShown = false;
  const fail = (message: string, code = 1): number => {
    // Not on the end of the prompt line.
    if (o.interactive && promptShown && rl) eraseInputRows(o.output, rl);
    o.errors.write(`plainwire chat: ${message}\n`);
    return code;
  };

  let rl: Interface | undefined;
  const print = (line: string | undefined) => {
    if (line === undefined) return;
    if (o.interactive && rl) {
      printAboveInput(o.output, rl, line);
    } else {
      o.output.write(`${line}\n`);
    }
  };
  let closedReason: string | undefined;
  let closed!: Promise<'closed'>;
  let bye: string | undefined;
  /** Makes `c` the session's connection: its events are shown, its end is `closed`. */
  const attach = (c: ChatClient) => {
    client = c;
    closedReason = undefined;
    bye = undefined;
    c.onEvent = (event) => {
      if (event.type === 'BYE') bye = event.text;
      print(display.event(event));
    };
    closed = new Promise<'closed'>((resolve) => {
      c.onClose = (reason) => {
        closedReason = reason;
        resolve('closed');
      };
    });
  };

  if (o.name === undefined && !o.interactive) return fail(NAME_REQUIRED, 2);
  // At the start, any node of the list will do: the first that answers.
  try {
    const first = await connectToAny(servers, attach);
    client = first.client;
    current = first.index;
    where = first.where;
  } catch (err) {
    return fail((err as Error).message);
  }

  const why = () => (closedReason === 'server-closed' ? 'the server closed it' : closedReason);
  const goneAway = () => fail(`lost the connection to ${where} (${why()})`);

  rl = createInterface({
    input: o.input,
    output: o.interactive ? o.output : undefined,
    terminal: o.interactive,
  });
  promptShown = o.interactive;
  const lines = rl[Symbol.asyncIterator]();
  rl.on('SIGINT', () => rl?.close());
  const stopped = () => rl?.close();
  if (o.stop?.aborted) rl.close();
  o.stop?.addEventListener('abort', stopped, { once: true });
  // A line asked for when the connection closed stays asked for: after a failover it is the next one read.
  let asked: Promise<IteratorResult<string>> | undefined;
  const nextLine = async (): Promise<string | undefined | 'closed'> => {
    asked ??= lines.next();
    const next = await Promise.race([asked, closed]);
    if (next === 'closed') return 'closed';
    asked = undefined;
    return next.done ? undefined : next.value;
  };

  try {
    // ---- a name ----
    let name = o.name;
    for (;;) {
      if (name === undefined) {
        if (!o.interactive) return fail(NAME_REQUIRED, 2);
        rl.setPrompt('your name: ');
        rl.prompt();
        const typed = await nextLine();
        if (typed === 'closed') return goneAway();
        if (typed === undefined) return 0;
        name = typed.trim() || undefined;
        if (name !== undefined && !isValidName(name)) {
          print(display.error(`${notAName(name)}; try another`));
          name = undefined;
        }
        continue;
      }
      try {
        await Promise.race([client.register(name), closed]);
        if (closedReason !== undefined) return goneAway();
        break;
      } catch (err) {
        if (!(err instanceof ChatReplyError)) throw err;
        const why = err.code === 'NAME_TAKEN' ? `the name "${name}" is taken on ${where}` : notAName(name);
        if (!o.interactive) return fail(`${why}; choose another with --name`);
        print(display.error(`${why}; try another`));
        name = undefined;
      }
    }
    let me = client.name ?? name;
    const users = await Promise.race([client.listUsers(), closed]);
    if (users === 'closed') return goneAway();
    print(display.info(`connected to ${where} as ${me}; ${users.total} here; type /help for the commands`));

    /** The groups joined, to join again after a failover. */
    let groups: string[] = [];
    /** The connection is lost: with several nodes, move to another (failover.ts). False when none took us. */
    const failover = async (): Promise<boolean> => {
      if (!canFailOver(servers, bye)) return false;
      print(display.info(movingNotice(where, why() ?? 'closed')));
      const moved = await failOver({
        servers,
        from: current,
        name: me,
        groups,
        ...(o.failoverMs !== undefined ? { failoverMs: o.failoverMs } : {}),
        ...(o.stop ? { stop: o.stop } : {}),
        attach,
      });
      if (moved === undefined) {
        closedReason ??= 'no node took the session back';
        return false;
      }
      client = moved.client;
      current = moved.index;
      where = moved.where;
      groups = moved.rejoined;
      print(display.info(movedNotice(moved, me)));
      if (o.interactive) rl?.prompt(true);
      return true;
    };

    // ---- the conversation ----
    const prompt = () => `${me}> `;
    if (o.interactive) {
      rl.setPrompt(prompt());
      rl.prompt();
    }
    const inFlight = new Set<Promise<unknown>>();
    const maxInFlight = o.maxInFlight ?? 20;
    const maxLineBytes = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    // Replies and local notes are shown in the order the lines were typed, even while replies are pending.
    let shown: Promise<unknown> = Promise.resolve();
    const show = (line: string | undefined) => {
      shown = shown.then(() => print(line));
    };
    // A script cannot react to a refusal line by line, so its exit status says whether any command was refused.
    let commands = 0;
    let refused = 0;
    const refuse = (message: string) => {
      refused++;
      show(display.error(message));
    };
    const finished = (): number =>
      refused > 0 && !o.interactive
        ? fail(`${refused} of ${commands} commands refused (the lines starting with "!!")`)
        : 0;
    const track = (verb: string, line: string) => {
      const sent = client.command(line);
      const p = Promise.all([sent, shown]).then(
        ([reply]: [Reply, unknown]) => {
          if (!reply.ok) refused++;
          if (verb === 'REGISTER' && reply.ok) {
            me = reply.text.split(' ').at(-1) ?? me;
            rl?.setPrompt(prompt());
          }
          const group = reply.text.split(' ')[1];
          if (verb === 'JOIN' && reply.ok && group) groups = [...withoutGroup(groups, group), group];
          if (verb === 'LEAVE' && reply.ok && group) groups = withoutGroup(groups, group);
          print(display.reply(verb, reply));
        },
        () => {
          // The connection went before the reply: it may or may not have been carried out.
          refused++;
          print(display.error(`no reply to "${line.slice(0, 60)}": the connection was lost`));
        },
      );
      shown = p;
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    };

    for (;;) {
      const typed = await nextLine();
      if (typed === 'closed') {
        if (await failover()) continue;
        return goneAway();
      }
      if (typed === undefined) break;
      const action = parseInput(typed);
      if (action.kind === 'send' || action.kind === 'error') commands++;
      const bytes = action.kind === 'send' ? Buffer.byteLength(action.line) : 0;
      if (bytes > maxLineBytes) {
        // The server would end the connection on it: refuse it here and keep the session.
        refuse(
          `too long to send: ${bytes} bytes, the server takes lines of at most ${maxLineBytes}; nothing was sent`,
        );
      } else if (action.kind === 'send') {
        if (o.interactive && action.echo) {
          // Replaced by the message as the others will see it.
          eraseSubmittedLine(o.output, prompt() + typed);
          print(display.own(me, action.echo));
        }
        track(action.line.split(' ')[0]!, action.line);
      } else if (action.kind === 'quit') {
        await Promise.race([Promise.allSettled([...inFlight]), closed]);
        if (closedReason === undefined)
          await Promise.race([client.command(action.line).catch(() => {}), closed]);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
        return finished();
      } else if (action.kind === 'help') {
        for (const line of slashHelp()) show(display.info(line));
      } else if (action.kind === 'error') {
        refuse(action.message);
      }
      while (inFlight.size >= maxInFlight && closedReason === undefined) {
        await Promise.race([...inFlight, closed]);
      }
      if (closedReason !== undefined) {
        if (await failover()) continue;
        return goneAway();
      }
      if (o.interactive) rl.prompt();
    }

    // ---- end of input: wait for the replies still due, then leave politely ----
    await Promise.race([Promise.allSettled([...inFlight]), closed]);
    if (closedReason !== undefined && !(await failover())) return goneAway();
    await Promise.race([client.command('QUIT').catch(() => {}), closed]);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    return finished();
  } catch (err) {
    // The connection ended while a command was waiting for its reply: the same story as any other ending.
    if (closedReason !== undefined) return goneAway();
    return fail((err as Error).message);
  } finally {
    o.stop?.removeEventListener('abort', stopped);
    client.close();
    rl.close();
    if (o.interactive) o.output.write('\n');
  }
}

function withoutGroup(groups: readonly string[], group: string): string[] {
  return groups.filter((g) => nameKey(g) !== nameKey(group));
}
