// Reads line-mode commands from stdin: readline editing on a terminal, plain lines from a pipe (where every
// line is kept even if it arrives before the prompt that asks for it).
import { createInterface } from 'node:readline';
import type { PagerIO } from './pager.js';

export function createTerminalIO(
  input: NodeJS.ReadableStream & { isTTY?: boolean },
  output: NodeJS.WritableStream & { isTTY?: boolean },
  errors: NodeJS.WritableStream,
): PagerIO & { close(): void } {
  const interactive = input.isTTY === true && output.isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  // The async iterator buffers lines that arrive while a page is being fetched.
  const lines = rl[Symbol.asyncIterator]();
  // On a terminal readline catches Ctrl-C itself and would only pause: treat it as quit, as Ctrl-D is.
  rl.on('SIGINT', () => {
    output.write('\n');
    rl.close();
  });
  let ended = false;
  return {
    async ask(prompt: string): Promise<string | null> {
      if (ended) return null;
      if (interactive) {
        rl.setPrompt(prompt);
        rl.prompt();
      } else output.write(prompt);
      const next = await lines.next();
      if (next.done) {
        ended = true;
        if (!interactive) output.write('\n');
        return null;
      }
      // Echo piped commands so a transcript reads like a session typed by hand.
      if (!interactive) output.write(`${next.value}\n`);
      return next.value;
    },
    out(text: string) {
      output.write(text);
    },
    err(text: string) {
      errors.write(text);
    },
    close() {
      rl.close();
    },
  };
}
