// The chat's web side: an HTTP server that serves the page (from memory, with a strict Content-Security-Policy)
// and upgrades /ws to a WebSocket that becomes one more connection of the chat server, with its limits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { DEFAULT_MAX_LINE_BYTES } from '../../line/decoder.js';
import { listen } from '../../net/listen.js';
import type { PeerStream } from '../../line/server.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Asset, defaultAssetsDir, loadAssets } from './assets.js';
import { cleanHostHeader, isAllowedOrigin, normalizeOrigin } from './origin.js';
import { WebSocketStream } from './websocket-stream.js';

export const DEFAULT_WEB_PORT = 8080;
export const WEBSOCKET_PATH = '/ws';

/** What the web side needs of a chat server: a way to serve one more connection. */
export interface StreamAcceptor {
  acceptStream(stream: PeerStream): void;
}

export interface ChatWebServerOptions {
  /** The chat server's line limit; a WebSocket message may be at most this long (default 4096). */
  maxLineBytes?: number;
  /** Origins besides the page's own that may open the WebSocket ("http://chat.example:8080"). */
  allowedOrigins?: readonly string[];
  /** Where the built page is (default: dist/web/ of this package). */
  assetsDir?: string;
  logger?: Logger;
}

/** The page may load its own script, style and WebSocket and nothing else: no inline script, no frames. */
export function contentSecurityPolicy(host: string | undefined): string {
  // CSP 3 counts ws: and wss: of the same host as 'self', older browsers do not: name them.
  const sockets = host === undefined ? '' : ` ws://${host} wss://${host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export class ChatWebServer {
  private readonly chat: StreamAcceptor;
  private readonly maxLineBytes: number;
  private readonly allowed: Set<string>;
  private readonly assets: Map<string, Asset>;
  private readonly logger: Logger;
  private readonly wss: WebSocketServer;
  private server: Server | undefined;
  private listening: { host: string; port: number } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(chat: StreamAcceptor, options: ChatWebServerOptions = {}) {
    this.chat = chat;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.allowed = new Set((options.allowedOrigins ?? []).map(normalizeOrigin));
    this.logger = options.logger ?? silentLogger();
    this.assets = loadAssets(options.assetsDir ?? defaultAssetsDir(), this.maxLineBytes);
    // A message is one line: ws refuses a longer one while reading it (close code 1009), never buffering more.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxLineBytes,
      perMessageDeflate: false,
    });
  }

  async start(opts: { host?: string; port?: number } = {}): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('ChatWebServer already started');
    const server = createServer((req, res) => this.serve(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    this.server = server;
    const address = await listen(
      server,
      { port: opts.port ?? DEFAULT_WEB_PORT, host: opts.host ?? '127.0.0.1' },
      (err) => this.logger.error({ err }, 'web listener error'),
    ).catch((err: unknown) => {
      this.server = undefined;
      throw err;
    });
    this.listening = { host: address.address, port: address.port };
    return { ...this.listening };
  }

  get address(): { host: string; port: number } {
    if (!this.listening) throw new Error('ChatWebServer is not listening (call start() first)');
    return { ...this.listening };
  }

  /** Closes the listener and every WebSocket still open (stop the chat server first: it says BYE to them). */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
    server.closeAllConnections();
    await closed;
    this.wss.close();
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').replace(/[?#].*$/, '');
    const host = cleanHostHeader(req.headers.host);
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(host));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('only GET and HEAD are served here\n');
      return;
    }
    const asset = this.assets.get(path);
    if (path === '/favicon.ico') {
      // Browsers ask for it unprompted; there is none, and a 404 would be noise in their console.
      res.writeHead(204);
      res.end();
      return;
    }
    if (!asset) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        path === WEBSOCKET_PATH ? 'this is the WebSocket endpoint: open it with ws://\n' : 'not found\n',
      );
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Content-Length': body.length,
      // A rebuilt page must reach browsers at once; it is small, so it is checked every time.
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', (err) => this.logger.debug({ err }, 'upgrade socket error'));
    const path = (req.url ?? '/').replace(/[?#].*$/, '');
    if (path !== WEBSOCKET_PATH) {
      refuseUpgrade(socket, 404, `no WebSocket here: use ${WEBSOCKET_PATH}`);
      return;
    }
    const origin = req.headers.origin;
    if (!isAllowedOrigin(origin, req.headers.host, this.allowed)) {
      this.logger.warn({ origin, host: req.headers.host }, 'WebSocket from another origin refused');
      refuseUpgrade(
        socket,
        403,
        'this origin may not open the chat (the server lists allowed ones: --web-origin)',
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = new WebSocketStream(ws, {
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
      });
      stream.on('refused', (reason: string) =>
        this.logger.info({ remote: req.socket.remoteAddress, reason }, 'WebSocket message refused; closing'),
      );
      this.chat.acceptStream(stream);
    });
  }
}

function refuseUpgrade(socket: Socket, status: 403 | 404, text: string): void {
  const body = `${text}\n`;
  const reason = status === 403 ? 'Forbidden' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
