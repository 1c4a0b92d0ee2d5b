// `plainwire chat --tui`: the full-screen chat client on the alternate screen, with ink. Connects and registers
// first, on the plain terminal, so a refusal is an ordinary error line; then takes the terminal, and puts it
// back however the session ends (/quit, Ctrl-C, a signal, a crash, the server going away).
import { createElement } from 'react';
import { takeTerminal } from '../../term/terminal.js';
import { sanitizeLine } from '../../text/sanitize.js';
import { ChatReplyError } from '../client.js';
import { connectToAny, type NodeConnection, type ServerAddress } from '../failover.js';
import { notAName } from '../input.js';
import { ChatApp } from './app.js';
import { type ChatTuiEnd, ChatTuiController } from './controller.js';

export interface ChatTuiOptions {
  /** The nodes of one chat, tried in order; when the one in use is lost, the session moves to the next. */
  servers: readonly ServerAddress[];
  /** How long a failover may try before the session gives up (default 30 000 ms). */
  failoverMs?: number;
  name?: string;
  colour: boolean;
}

export const NOT_A_TERMINAL = 'plainwire chat: --tui needs a terminal (without --tui, chat reads a pipe)';
export const NAME_REQUIRED =
  'plainwire chat: --tui needs --name (the name is not asked for in full-screen mode)';

/** Exit codes as the line client's: 0 after /quit or Ctrl-C, 1 when unreachable, refused or gone, 2 for usage. */
export async function runChatTui(options: ChatTuiOptions): Promise<number> {
  const { stdin, stdout, stderr } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write(`${NOT_A_TERMINAL}\n`);
    return 2;
  }
  if (options.name === undefined) {
    stderr.write(`${NAME_REQUIRED}\n`);
    return 2;
  }
  let connection: NodeConnection | undefined;
  try {
    connection = await connectToAny(options.servers, () => {});
    await connection.client.register(options.name);
  } catch (err) {
    connection?.client.close();
    const where = connection?.where ?? '';
    const message =
      err instanceof ChatReplyError
        ? err.code === 'NAME_TAKEN'
          ? `the name "${options.name}" is taken on ${where}; choose another with --name`
          : notAName(options.name)
        : (err as Error).message;
    stderr.write(`plainwire chat: ${message}\n`);
    return 1;
  }
  const session = {
    connection,
    servers: options.servers,
    ...(options.failoverMs !== undefined ? { failoverMs: options.failoverMs } : {}),
  };

  const guard = takeTerminal(stdin, stdout, stderr, 'plainwire chat');
  let end = { code: 0 } as ChatTuiEnd;
  let controller: ChatTuiController | undefined;
  try {
    const { render } = await import('ink');
    let ended = false;
    let finish = (): void => {
      ended = true;
    };
    controller = new ChatTuiController(session, stdout.columns || 80, stdout.rows || 24, (e) => {
      end = e;
      finish();
    });
    const app = render(createElement(ChatApp, { controller, colour: options.colour }), {
      exitOnCtrlC: false,
      patchConsole: true,
    });
    finish = () => app.unmount();
    // The server may have gone while ink was loading.
    if (ended) app.unmount();
    await app.waitUntilExit();
  } catch (err) {
    // An error ink caught while drawing ends the app here rather than as an uncaught exception.
    end = {
      code: 1,
      message: `unexpected error in full-screen mode: ${sanitizeLine((err as Error)?.message ?? String(err))}`,
    };
  } finally {
    if (controller) controller.close();
    else connection.client.close();
    guard.restore();
  }
  if (end.code === 1) stderr.write(`plainwire chat: ${end.message}\n`);
  return end.code;
}
