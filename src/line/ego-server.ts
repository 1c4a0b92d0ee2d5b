// EgoServer: the lab's self-absorbed example. Whatever you say, it talks about itself and hangs up.
import type { Connection } from './connection.js';
import { type DisconnectReason, LineServer } from './server.js';

export const EGO_SENTENCE =
  'I am the plainwire ego-server: a flawless line server, and frankly more interesting than anything you could say. Goodbye.';

export class EgoServer extends LineServer {
  protected override onConnect(conn: Connection): void {
    this.logger.info({ conn: conn.id, from: `${conn.remoteAddress}:${conn.remotePort}` }, 'client connected');
  }

  protected override onMessage(conn: Connection, _line: string): void {
    conn.send(EGO_SENTENCE);
    conn.close('ego');
  }

  protected override onDisconnect(conn: Connection, reason: DisconnectReason): void {
    this.logger.info({ conn: conn.id, reason }, 'client disconnected');
  }
}
