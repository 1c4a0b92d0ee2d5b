// The line being typed in a full-screen client and its history: the editing keys every chat TUI shares, as pure
// functions over the part of the state they own.
import type { TuiKey } from './keys.js';

export interface InputLine {
  input: string;
  history: string[];
  /** Position in history while recalling (history.length: the line being typed). */
  recall: number;
  /** The line being typed before recalling started. */
  draft: string;
}

export const EMPTY_INPUT_LINE: InputLine = { input: '', history: [], recall: 0, draft: '' };

const MAX_HISTORY = 500;

/** The input line after an editing key (typing, Backspace, Ctrl-U, Up/Down); undefined for any other key. */
export function editInputLine(line: InputLine, key: TuiKey): InputLine | undefined {
  const { input, history, recall, draft } = line;
  switch (key.name) {
    case 'char':
      return { ...line, input: input + (key.char ?? '') };
    case 'backspace':
      // By code point, so a wide character or an emoji goes whole.
      return { ...line, input: Array.from(input).slice(0, -1).join('') };
    case 'clearLine':
      return { ...line, input: '' };
    case 'up': {
      if (recall === 0) return line;
      const up = recall - 1;
      return { input: history[up]!, history, recall: up, draft: recall === history.length ? input : draft };
    }
    case 'down': {
      if (recall >= history.length) return line;
      const down = recall + 1;
      return { ...line, recall: down, input: down === history.length ? draft : history[down]! };
    }
    default:
      return undefined;
  }
}

/** The input line after Enter: empty, the sent line last in the history (unless blank or a repeat). */
export function submitInputLine(line: InputLine): InputLine {
  const typed = line.input;
  const history =
    typed.trim() === '' || line.history.at(-1) === typed
      ? line.history
      : [...line.history, typed].slice(-MAX_HISTORY);
  return { input: '', draft: '', history, recall: history.length };
}
