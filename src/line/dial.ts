// Opening a client connection for a line protocol, shared by LineClient and `plainwire connect`: half-open
// allowed (after end() we keep reading until the server has said everything), Nagle off, a deadline, and a
// failure a person can act on.
import { connect as netConnect, type Socket } from 'node:net';
import { describeConnectFailure, LineConnectError } from './errors.js';

/** Resolves with the connected socket; rejects with a LineConnectError (CONNECT_FAILED or CONNECT_TIMEOUT). */
export function dialLine(host: string, port: number, timeoutMs: number): Promise<Socket> {
  const socket = netConnect({ host, port, allowHalfOpen: true, noDelay: true });
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new LineConnectError('CONNECT_TIMEOUT', host, port, `timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const failed = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new LineConnectError('CONNECT_FAILED', host, port, describeConnectFailure(err), {
          cause: err,
          ...(err.code !== undefined ? { errno: err.code } : {}),
        }),
      );
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(socket);
    });
  });
}
