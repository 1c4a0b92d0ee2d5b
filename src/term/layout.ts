// Laying text out in display columns for the full-screen programs (chat --tui, imchat --tui): wrapping, padding
// and cutting so that wide characters (CJK, emoji) never straddle a row's edge.
import stringWidth from 'string-width';

/** The side pane's width, or 0 when the screen is too narrow for it. */
export function sideWidth(columns: number): number {
  if (columns < 40) return 0;
  return Math.min(24, Math.floor(columns / 4));
}

/** Splits a line into rows of at most `width` display columns (a wide character never straddles two). */
export function wrapColumns(text: string, width: number): string[] {
  if (width <= 0) return [''];
  const rows: string[] = [];
  let row = '';
  let used = 0;
  for (const char of text) {
    const w = stringWidth(char);
    if (used + w > width && row !== '') {
      rows.push(row);
      row = '';
      used = 0;
    }
    row += char;
    used += w;
  }
  rows.push(row);
  return rows;
}

/** Pads or cuts to exactly `width` display columns (an ellipsis where cut). */
export function padTo(text: string, width: number): string {
  if (width <= 0) return '';
  const w = stringWidth(text);
  if (w <= width) return text + ' '.repeat(width - w);
  let out = '';
  let used = 0;
  for (const char of text) {
    const cw = stringWidth(char);
    if (used + cw > width - 1) break;
    out += char;
    used += cw;
  }
  return `${out}\u2026${' '.repeat(width - 1 - used)}`;
}

/** The last `width` display columns of a string: a long input line shows its end, where the cursor is. */
export function tailColumns(text: string, width: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const w = stringWidth(chars[start - 1]!);
    if (used + w > width) break;
    used += w;
    start--;
  }
  return chars.slice(start).join('');
}
