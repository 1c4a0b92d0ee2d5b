// A port nothing listens on at this moment: for tests that need a refused connection, or that must restart a
// server on the port it had before. It is picked below Linux's ephemeral range (32768-60999), where port 0 never
// lands: a port handed out by port 0 and closed again could be handed to another test's server (listening on
// port 0) before this test used it, and a "dead" node then answered as somebody else (seen once in CI).
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!free) continue;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }
}
