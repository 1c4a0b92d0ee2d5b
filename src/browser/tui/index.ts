// `plainwire browse --tui`: the full-screen browser (the lab's "Oh Curses!") on the alternate screen, with ink.
import { createElement } from 'react';
import { App } from './app.js';
import { TuiController } from './controller.js';
import { takeTerminal } from '../../term/terminal.js';

export interface TuiOptions {
  url: string | null;
  /** Fixed page width; the terminal's width (following resizes) when absent. */
  width?: number;
  timeoutMs: number;
  maxBytes: number;
  colour: boolean;
}

export const NOT_A_TERMINAL = 'plainwire browse: --tui needs a terminal (use --dump or line mode)';

export async function runTui(options: TuiOptions): Promise<void> {
  const { stdin, stdout, stderr } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write(`${NOT_A_TERMINAL}\n`);
    process.exitCode = 2;
    return;
  }
  const guard = takeTerminal(stdin, stdout, stderr);
  try {
    const { render } = await import('ink');
    let quit = (): void => {};
    const controller = new TuiController(
      {
        fetch: { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes },
        colour: options.colour,
        width: options.width,
      },
      stdout.columns || 80,
      stdout.rows || 24,
      () => quit(),
    );
    // Started before the first frame, so that frame already says what is loading.
    if (options.url !== null) controller.open(options.url);
    // Ink's incremental mode was seen to leave stale status lines behind on the alternate screen; a full
    // redraw of ~30 short lines per key is cheap.
    const app = render(createElement(App, { controller, colour: options.colour }), {
      exitOnCtrlC: false,
      patchConsole: true,
    });
    quit = () => app.unmount();
    await app.waitUntilExit();
  } finally {
    guard.restore();
  }
}
