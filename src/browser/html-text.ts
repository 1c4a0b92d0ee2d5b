// Text as HTML means it, made safe for a terminal: white space collapsed the way a browser does, control
// characters and bidi overrides taken out (the fast checks skip the regex work for the usual clean string).
import { sanitizeLine } from '../text/sanitize.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HTML_SPACE = /[ \t\n\f\r]+/g;
// Is there white space that is not already one plain space? Most text nodes have none: no copy for them.
const NEEDS_COLLAPSE = /[\t\n\f\r]| [ \t\n\f\r]/;

/** Whether a text is only HTML white space (mostly the line breaks between blocks: a loop beats a regex call). */
export function isHtmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0c && c !== 0x0d) return false;
  }
  return true;
}

/** sanitizeLine, skipping the regex work for the (usual) clean string. */
export function clean(text: string): string {
  return UNSAFE.test(text) ? sanitizeLine(text) : text;
}

/** HTML white space collapsed to single spaces, then made terminal-safe (which can leave spaces to collapse). */
export function collapseAndClean(text: string): string {
  // Two scans beat one alternation: a single class and indexOf each run at native speed, while `class| {2}`
  // makes the regex engine try both branches at every character.
  if (!UNSAFE.test(text) && text.indexOf('  ') === -1) return text;
  const collapsed = NEEDS_COLLAPSE.test(text) ? text.replace(HTML_SPACE, ' ') : text;
  return UNSAFE.test(collapsed) ? sanitizeLine(collapsed).replace(/ {2,}/g, ' ') : collapsed;
}

/** Keeps tabs and newlines for <pre>; everything else unsafe goes. */
export function sanitizePre(text: string): string {
  if (!UNSAFE.test(text.replace(/[\t\n]/g, ''))) return text;
  return text
    .split('\n')
    .map((l) => l.split('\t').map(sanitizeLine).join('\t'))
    .join('\n');
}
