// Makes text from the network safe for a terminal: no escape sequences, no control characters.
// Every string that came over a socket (chat messages, page text, titles, URLs, headers) passes through here
// before it is written to a TTY, so a hostile peer cannot move the cursor, set the window title, write the
// clipboard (OSC 52) or inject keystrokes.

// ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ESC ] ... BEL or ST),
// and two-character escapes (ESC x). Their 8-bit C1 forms (U+009B CSI, U+009D OSC, ...) too.
const ESCAPE_SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;

// C0 controls except tab and newline, DEL, C1 controls; plus the Unicode bidi overrides and isolates, which
// can make a line display in an order other than the one it was sent in ("Trojan Source").
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes escape sequences and control characters; keeps tabs and newlines. */
export function sanitizeText(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/** For one line of output: as sanitizeText, and tabs and newlines become spaces. */
export function sanitizeLine(text: string): string {
  return sanitizeText(text).replace(/[\t\n]/g, ' ');
}

/** True if the text holds nothing sanitizeText would remove. */
export function isTerminalSafe(text: string): boolean {
  return sanitizeText(text) === text;
}
