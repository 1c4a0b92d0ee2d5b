// The client's transport: one HTTP exchange with the store over kept-alive node:http connections, bounded in
// time and size. It knows nothing of keys; socket failures become StoreUnavailableError.
import http from 'node:http';
import https from 'node:https';
import {
  NotAStoreError,
  StoreError,
  StoreUnavailableError,
  unavailableFromSocketError,
} from './client-errors.js';
import type { StoreTarget } from './client-protocol.js';

export interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Whether the request may be sent a second time when a kept-alive connection turns out to have been closed
   * by the server just as it was reused. False for compare-and-set writes: if the first copy did land, the
   * second would fail (or, worse, a caller's retry loop would apply its change twice).
   */
  retryOnStaleConnection: boolean;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StoreHttpOptions {
  token?: string;
  /** Bound on an answer's body; a store sending more is treated as broken. */
  maxResponseBytes: number;
  /** Connections kept per store; undefined means no limit, as node:http's default. */
  maxSockets?: number;
  /**
   * Looks at an answer's status and headers before its body is read; an error returned here fails the
   * exchange at once, so a server that is not a store is not read to the end.
   */
  checkHead?: (
    status: number,
    headers: http.IncomingHttpHeaders,
    target: StoreTarget,
  ) => StoreError | undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export class StoreHttp {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly baseHeaders: http.OutgoingHttpHeaders;
  private closed = false;

  constructor(
    private readonly target: StoreTarget,
    private readonly options: StoreHttpOptions,
  ) {
    const agentOptions: http.AgentOptions = { keepAlive: true, scheduling: 'lifo' };
    if (options.maxSockets !== undefined) agentOptions.maxSockets = options.maxSockets;
    this.agent = target.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = target.protocol === 'https:' ? https.request : http.request;
    this.baseHeaders = { accept: '*/*' };
    if (options.token !== undefined) this.baseHeaders.authorization = `Bearer ${options.token}`;
  }

  async exchange(exchange: Exchange): Promise<Answer> {
    try {
      return await this.once(exchange);
    } catch (err) {
      if (exchange.retryOnStaleConnection && (err as { staleConnection?: boolean }).staleConnection) {
        return await this.once(exchange);
      }
      throw err;
    }
  }

  /** Ends the kept-alive connections; requests after this fail with code CLOSED. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private once(exchange: Exchange): Promise<Answer> {
    if (this.closed) return Promise.reject(new StoreError('CLOSED', 'this StoreClient was closed'));
    const { signal } = exchange;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const headers: http.OutgoingHttpHeaders = { ...this.baseHeaders };
      let payload: Buffer | undefined;
      if (exchange.body !== undefined) {
        payload = Buffer.from(exchange.body, 'utf8');
        headers['content-type'] = 'text/plain; charset=utf-8';
        headers['content-length'] = payload.length;
      }
      const req = this.request({
        agent: this.agent,
        host: this.target.hostname,
        port: this.target.port,
        method: exchange.method,
        path: exchange.path,
        headers,
      });

      // Until the connection is up nothing of the request can have reached the store: a failure before then
      // (refused, no route, a connect that timed out) leaves it untouched, so any request may go elsewhere.
      let connected = false;
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });

      const finish = (err: unknown, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) reject(err);
        else resolve(answer!);
      };
      const onAbort = () => {
        finish(abortReason(signal!));
        req.destroy();
      };
      const timer = setTimeout(() => {
        finish(
          new StoreUnavailableError(
            `cannot reach ${this.target.display}: ${connected ? 'no answer' : 'no connection'} within ${exchange.timeoutMs} ms`,
            undefined,
            { maybeApplied: connected },
          ),
        );
        req.destroy();
      }, exchange.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        // llhttp's codes: the peer answered, but not in HTTP (a line server, HTTP/0.9): retrying cannot help.
        const notHttp = err.code?.startsWith('HPE_') === true;
        const error = this.closed
          ? new StoreError('CLOSED', 'this StoreClient was closed')
          : notHttp
            ? new NotAStoreError(this.target.display, undefined)
            : unavailableFromSocketError(err, this.target.display, connected);
        // Node's documented race: a kept-alive socket the server closed while idle fails at reuse.
        if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          (error as { staleConnection?: boolean }).staleConnection = true;
        }
        finish(error);
      });
      req.on('response', (res) => {
        const refused = this.options.checkHead?.(res.statusCode ?? 0, res.headers, this.target);
        if (refused) {
          finish(refused);
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.options.maxResponseBytes) {
            finish(
              new StoreError(
                'BAD_RESPONSE',
                `the store sent more than ${this.options.maxResponseBytes} bytes in one answer`,
              ),
            );
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks, size).toString('utf8'),
          });
        });
        res.on('error', (err) => finish(unavailableFromSocketError(err, this.target.display)));
        res.on('close', () => {
          if (!res.complete) {
            finish(
              new StoreUnavailableError(`cannot reach ${this.target.display}: the answer was cut short`),
            );
          }
        });
      });
      req.end(payload);
    });
  }
}
