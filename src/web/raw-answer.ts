// Answers written straight to a socket, before (or instead of) node:http: HTTP/0.9 and refusals of what is not
// HTTP at all, which need a page saying why and a close that does not reset the page away.
import type { Socket } from 'node:net';
import { errorPage, reasonPhrase } from './pages.js';

/** After the response, how long to keep reading (and dropping) what the client still sends before closing. */
const LINGER_MS = 2_000;

export const SERVER_HEADER = 'plainwire';

/** A full HTTP/1.0 response in bytes, for the answers written before node:http sees the connection. */
export function rawResponse(status: number, detail: string, extra = ''): Buffer {
  const body = Buffer.from(errorPage(status, detail), 'utf8');
  const head =
    `HTTP/1.0 ${status} ${reasonPhrase(status)}\r\n` +
    `Server: ${SERVER_HEADER}\r\n` +
    extra +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: text/html; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Ends our side, drops whatever the client still sends for a moment (so no RST cuts the answer), then closes. */
export function finishAndClose(socket: Socket): void {
  socket.end();
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
