// `plainwire imchat --tui`: the full-screen imchat client on the alternate screen, with ink. Joins the room
// first, on the plain terminal, so a refusal (store unreachable, name in use, room full) is an ordinary error
// line; then takes the terminal, and puts it back however the session ends (/quit, Ctrl-C, a signal, a crash).
import { createElement } from 'react';
import { takeTerminal } from '../../term/terminal.js';
import { sanitizeLine } from '../../text/sanitize.js';
import { DEFAULT_ROOM, ImchatError, ImchatSession, type ImchatSessionOptions } from '../session.js';
import { ImchatApp } from './app.js';
import { ImchatTuiController } from './controller.js';

export type ImchatTuiOptions = Omit<ImchatSessionOptions, 'onEvent' | 'onStatus' | 'onQueue'> & {
  colour: boolean;
};

export const NOT_A_TERMINAL = 'plainwire imchat: --tui needs a terminal (without --tui, imchat reads a pipe)';

/** Exit codes as the line client's: 0 after /quit or Ctrl-C, 1 when the room cannot be joined, 2 for usage. */
export async function runImchatTui(options: ImchatTuiOptions): Promise<number> {
  const { stdin, stdout, stderr } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write(`${NOT_A_TERMINAL}\n`);
    return 2;
  }
  const { colour, ...sessionOptions } = options;
  const controller = new ImchatTuiController({
    // Several URLs are the nodes of one store: the status line names them all.
    store: sanitizeLine(
      [options.url]
        .flat()
        .map((url) => url.replace(/\/$/, ''))
        .join(','),
    ),
    name: options.name,
    room: options.room ?? DEFAULT_ROOM,
    turns: options.turns === true,
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
  });
  let session: ImchatSession;
  try {
    session = await ImchatSession.start({
      ...sessionOptions,
      onEvent: controller.onEvent,
      onStatus: controller.onStatus,
      onQueue: controller.onQueue,
    });
  } catch (err) {
    if (err instanceof ImchatError) {
      stderr.write(`plainwire imchat: ${err.message}\n`);
      return err.code === 'BAD_NAME' ? 2 : 1;
    }
    throw err;
  }
  controller.attach(session);

  const guard = takeTerminal(stdin, stdout, stderr, 'plainwire imchat');
  let code = 0;
  let failure: string | undefined;
  try {
    const { render } = await import('ink');
    const app = render(createElement(ImchatApp, { controller, colour }), {
      exitOnCtrlC: false,
      patchConsole: true,
    });
    void session.done.then(() => app.unmount());
    await app.waitUntilExit();
  } catch (err) {
    // An error ink caught while drawing ends the app here rather than as an uncaught exception.
    code = 1;
    failure = `unexpected error in full-screen mode: ${sanitizeLine((err as Error)?.message ?? String(err))}`;
    session.abandon();
  } finally {
    guard.restore();
  }
  if (failure !== undefined) stderr.write(`plainwire imchat: ${failure}\n`);
  return code;
}
