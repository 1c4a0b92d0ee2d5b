// The keys plainwire's full-screen programs understand, and ink's key reports turned into them. Terminals
// disagree on Backspace (DEL 0x7f, which ink calls "delete", or BS 0x08), so both mean Backspace here; the
// Delete key does too.
import type { Key } from 'ink';
import { sanitizeLine } from '../text/sanitize.js';

export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'tab'
  | 'backTab'
  | 'enter'
  | 'backspace'
  | 'escape'
  | 'clearLine'
  | 'interrupt'
  | 'char';

export interface TuiKey {
  name: KeyName;
  /** For 'char': the text typed (one character, or a pasted run in a prompt). */
  char?: string;
}

export function keysFromInk(input: string, key: Key): TuiKey[] {
  if (key.upArrow) return [{ name: 'up' }];
  if (key.downArrow) return [{ name: 'down' }];
  if (key.leftArrow) return [{ name: 'left' }];
  if (key.rightArrow) return [{ name: 'right' }];
  if (key.pageUp) return [{ name: 'pageUp' }];
  if (key.pageDown) return [{ name: 'pageDown' }];
  if (key.home) return [{ name: 'home' }];
  if (key.end) return [{ name: 'end' }];
  if (key.tab) return [{ name: key.shift ? 'backTab' : 'tab' }];
  if (key.return) return [{ name: 'enter' }];
  if (key.backspace || key.delete) return [{ name: 'backspace' }];
  if (key.escape) return [{ name: 'escape' }];
  // ESC and a key sent together (tmux send-keys Escape q, or a fast typist) reach ink as Alt+key.
  if (key.meta && !key.ctrl && Array.from(input).length === 1)
    return [{ name: 'escape' }, ...keysFromText(input)];
  if (key.ctrl) {
    if (input === 'c' || input === 'd') return [{ name: 'interrupt' }];
    if (input === 'u') return [{ name: 'clearLine' }];
    if (input === 'f') return [{ name: 'pageDown' }];
    if (input === 'b') return [{ name: 'pageUp' }];
    if (input === 'n') return [{ name: 'down' }];
    if (input === 'p') return [{ name: 'up' }];
    return [];
  }
  return keysFromText(input);
}

/** Several characters at once are fast typing, a paste or keys sent together (tmux send-keys Tab Enter): ink
 * reports them as one string, so the control characters in it are keys of their own. */
function keysFromText(input: string): TuiKey[] {
  const keys: TuiKey[] = [];
  for (const char of input) {
    const control = CONTROL_KEYS[char];
    if (control) keys.push({ name: control });
    else {
      const safe = sanitizeLine(char);
      if (safe !== '') keys.push({ name: 'char', char: safe });
    }
  }
  return keys;
}

const CONTROL_KEYS: Record<string, TuiKey['name']> = {
  '\t': 'tab',
  '\r': 'enter',
  '\n': 'enter',
  '\u007f': 'backspace',
  '\b': 'backspace',
  '\u001b': 'escape',
  '\u0003': 'interrupt',
  '\u0015': 'clearLine',
};
