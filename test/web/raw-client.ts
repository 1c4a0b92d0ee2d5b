// A telnet in a function: sends bytes over a real TCP connection and collects everything the server says
// until it closes the connection.
import { connect } from 'node:net';

export interface RawExchangeOptions {
  /** Pause between chunks, as a person typing line by line. */
  delayMs?: number;
  /** Fail if the server has not closed the connection by then. */
  timeoutMs?: number;
  /** After the last chunk, end our side (as `printf ... | nc` does at the end of its input). */
  endAfter?: boolean;
}

export function rawExchange(
  port: number,
  chunks: Array<string | Buffer>,
  options: RawExchangeOptions = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `the server did not close within ${options.timeoutMs ?? 5000} ms; got:\n${Buffer.concat(received)}`,
        ),
      );
    }, options.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received));
    });
    let index = 0;
    const sendNext = () => {
      if (index >= chunks.length || socket.destroyed) return;
      socket.write(chunks[index++]!);
      if (index < chunks.length) setTimeout(sendNext, options.delayMs ?? 0);
      else if (options.endAfter) socket.end();
    };
    socket.once('connect', () => {
      if (chunks.length === 0 && options.endAfter) socket.end();
      else sendNext();
    });
  });
}

export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** Splits an HTTP/1.x response read off a socket into its parts (header names lower-cased). */
export function parseRawResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no end of headers in:\n${bytes.toString('latin1')}`);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine ?? '')?.[1] ?? Number.NaN);
  return { statusLine: statusLine ?? '', status, headers, body: bytes.subarray(end + 4) };
}
