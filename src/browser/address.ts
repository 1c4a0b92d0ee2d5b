// What the user typed (a URL, a file path, host:port) -> an absolute URL to fetch.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d+(?:[/?#]|$)/i;
const LOOKS_LOCAL = /^(\/|\.\.?(\/|$)|~(\/|$))/;

/**
 * `http://x/`, `file:///p` -> as given; `./page.html`, `/abs/path`, `~/f` or an existing file -> file URL;
 * `localhost:8000/x`, `example.com` -> http://...; anything else is taken as a (possibly missing) file.
 */
export function resolveAddress(input: string, cwd: string = process.cwd()): string {
  const text = input.trim();
  if (HOST_PORT.test(text)) return `http://${text}`;
  if (HAS_SCHEME.test(text) && !/^[a-z]:[\\/]/i.test(text)) return text;
  if (LOOKS_LOCAL.test(text)) {
    const path = text.startsWith('~') ? homedir() + text.slice(1) : resolve(cwd, text);
    return pathToFileURL(path).href;
  }
  const local = resolve(cwd, text);
  if (existsSync(local)) return pathToFileURL(local).href;
  if (/^localhost(?:[/?#]|$)/i.test(text)) return `http://${text}`;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(?:[/?#]|$)/i.test(text) && !/^[^/]*\.(x?html?|txt)$/i.test(text))
    return `http://${text}`;
  return pathToFileURL(local).href;
}
