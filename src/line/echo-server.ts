// EchoServer: the smallest useful LineServer, and the one to read first. Each line comes back upper-cased.
import { sanitizeLine } from '../text/sanitize.js';
import type { Connection } from './connection.js';
import { type DisconnectReason, LineServer } from './server.js';

export class EchoServer extends LineServer {
  protected override onConnect(conn: Connection): void {
    this.logger.info(
      { conn: conn.id, from: `${conn.remoteAddress}:${conn.remotePort}`, clients: this.connections.size },
      'client connected',
    );
  }

  protected override onMessage(conn: Connection, line: string): void {
    // Control characters (a stray "\r", escape sequences) are dropped rather than echoed into a terminal.
    conn.send(sanitizeLine(line).toUpperCase());
  }

  protected override onDisconnect(conn: Connection, reason: DisconnectReason): void {
    this.logger.info({ conn: conn.id, reason, clients: this.connections.size - 1 }, 'client disconnected');
  }
}
