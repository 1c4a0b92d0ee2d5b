// Turns session events into the lines a person (or a test) reads: `[12:00:01] alice: text`, `[12:00:02] * bob
// joined`. Everything that came from the store is sanitised here, at the one place it reaches the terminal.
import type { Style } from '../term/style.js';
import { sanitizeLine } from '../text/sanitize.js';
import { sameName } from './keys.js';
import type { SessionEvent } from './session.js';

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** One line (no newline) for the event; `now` stamps events that carry no time of their own. */
export function formatEvent(event: SessionEvent, style: Style, self: string, now = Date.now()): string {
  const stamp = (ms: number) => style.dim(`[${clock(ms)}]`);
  const notice = (text: string) => `${stamp(now)} ${style.yellow(`* ${text}`)}`;
  switch (event.kind) {
    case 'message': {
      const name = sanitizeLine(event.name);
      // Marked before the name, so the line never reads as the user's words first.
      if (event.unverified !== undefined)
        return `${stamp(event.at)} ${style.red(`[unverified: ${sanitizeLine(event.unverified)}]`)} ${name}: ${sanitizeLine(event.text)}`;
      const who = sameName(event.name, self) ? style.bold(name) : style.cyan(name);
      return `${stamp(event.at)} ${who}: ${sanitizeLine(event.text)}`;
    }
    case 'missing':
      return notice(
        `${event.count} ${event.count === 1 ? 'message' : 'messages'} from ${sanitizeLine(event.name)} missing`,
      );
    case 'join':
      return notice(`${sanitizeLine(event.name)} ${event.rejoin ? 'rejoined' : 'joined'}`);
    case 'leave':
      return notice(`${sanitizeLine(event.name)} ${event.timedOut ? 'timed out' : 'left'}`);
    case 'welcome': {
      const present = event.present.map(sanitizeLine).join(', ') || '(nobody)';
      const mode = event.turns ? 'turn mode' : 'live mode';
      return notice(`joined room ${event.room} as ${event.name} (${mode}); present: ${present}`);
    }
    case 'turn':
      if (event.state === 'mine') return notice(`your turn (turn ${event.turn})`);
      if (event.state === 'partner') return notice('waiting for someone to join (turn mode seats two)');
      return notice(`waiting for ${sanitizeLine(event.other ?? '?')} (turn ${event.turn})`);
  }
}

/**
 * The input prompt in turn mode, so whose turn it is shows where one types: "your turn> ", "(bob's turn)> ",
 * "(waiting for a partner)> ".
 */
export function turnPrompt(event: SessionEvent & { kind: 'turn' }): string {
  if (event.state === 'mine') return 'your turn> ';
  if (event.state === 'partner') return '(waiting for a partner)> ';
  return `(${sanitizeLine(event.other ?? '?')}'s turn)> `;
}
