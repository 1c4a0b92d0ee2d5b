// Starting to listen, for every plainwire server: node reports a failed listen (EADDRINUSE, EACCES) only as an
// 'error' event, which would crash the process if nothing listened for it and which, once listening, means
// something else entirely.
import type { AddressInfo, ListenOptions, Server } from 'node:net';

/**
 * Listens, resolving with the bound address (port 0 gives a free one) or rejecting with the error that stopped
 * it; an error after that goes to `onLaterError`.
 */
export async function listen(
  server: Server,
  options: ListenOptions,
  onLaterError: (err: Error) => void,
): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onLaterError);
  return server.address() as AddressInfo;
}
