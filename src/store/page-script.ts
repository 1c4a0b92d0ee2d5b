// The store page's script (src/store/web/, bundled by scripts/build-web.mjs into dist/web/store-page.js), read
// once and served from memory. The store runs without it: the page then works as a plain form page.
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { builtWebDir } from '../web/built.js';

export const PAGE_SCRIPT_FILE = 'store-page.js';

/** The built script, or undefined when the web pages are not built (the page still works without it). */
export function loadPageScript(dir?: string): Buffer | undefined {
  let full: string;
  try {
    full = join(dir ?? builtWebDir(), PAGE_SCRIPT_FILE);
  } catch {
    return undefined;
  }
  return existsSync(full) ? readFileSync(full) : undefined;
}

/** Answers GET or HEAD of the script: from memory, or a 404 that says how to build it. */
export function pageScriptSender(dir?: string): (req: IncomingMessage, res: ServerResponse) => void {
  const script = loadPageScript(dir);
  return (req, res) => {
    const body =
      script ??
      Buffer.from(
        "the page's script is not built (run npm run build); the page works without it, but is not live\n",
      );
    res.writeHead(script ? 200 : 404, {
      'Content-Type': script ? 'text/javascript; charset=utf-8' : 'text/plain; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
