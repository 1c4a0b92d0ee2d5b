// Load generator for bench/store.ts, run as a child process so it does not share the server's core.
// It speaks HTTP/1.1 keep-alive on raw sockets (one request in flight per connection) because node:http's
// client costs more CPU per request than the servers under test, and would measure itself instead.
import net from 'node:net';

export type LoadKind = 'baseline' | 'get' | 'set' | 'etcd-put' | 'etcd-range';

export interface LoadJob {
  kind: LoadKind;
  host: string;
  port: number;
  /** Spread the connections over these ports (round robin) instead of `port` alone. */
  ports?: number[];
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Successful answers inside the measured window. */
  requests: number;
  /** Successful answers in the whole run, warm-up and wind-down included (what the server really did). */
  completed: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** The bytes of request number `n` on connection `conn`. */
function requestFor(job: LoadJob, conn: number, n: number): string {
  const host = `Host: ${job.host}:${portFor(job, conn)}\r\n`;
  switch (job.kind) {
    case 'baseline':
      return `GET /?action=get&key=bench-get HTTP/1.1\r\n${host}\r\n`;
    case 'get':
      return `GET /?action=get&key=bench-get HTTP/1.1\r\n${host}\r\n`;
    case 'set':
      return `GET /?action=set&key=bench-${conn}-${n % 64}&value=value-${n} HTTP/1.1\r\n${host}\r\n`;
    case 'etcd-put': {
      const body = JSON.stringify({
        key: Buffer.from(`bench-${conn}-${n % 64}`).toString('base64'),
        value: Buffer.from(`value-${n}`).toString('base64'),
      });
      return `POST /v3/kv/put HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    }
    case 'etcd-range': {
      // The key plainwire store --etcd keeps its "bench-get" under (default prefix): the same data both ways.
      const body = JSON.stringify({ key: Buffer.from('plainwire/bench-get').toString('base64') });
      return `POST /v3/kv/range HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    }
  }
}

function portFor(job: LoadJob, conn: number): number {
  return job.ports && job.ports.length > 0 ? job.ports[conn % job.ports.length]! : job.port;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * How many bytes the first complete response in `buf` takes, with its status, or undefined if incomplete.
 * Handles Content-Length and chunked bodies, which is all the servers under test send.
 */
function completeResponse(buf: Buffer): { length: number; status: number } | undefined {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (lengthMatch) {
    const length = bodyStart + Number(lengthMatch[1]);
    return buf.length >= length ? { length, status } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        // Last chunk, then (no trailers from these servers) the final CRLF.
        return buf.length >= lineEnd + 4 ? { length: lineEnd + 4, status } : undefined;
      }
      at = lineEnd + 2 + size + 2;
      if (buf.length < at) return undefined;
    }
  }
  return { length: bodyStart, status };
}

export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const measureFrom = started + job.warmupMs;
    const stopAt = measureFrom + job.durationMs;
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    let errors = 0;
    let completed = 0;
    let firstError: string | undefined;
    let open = job.connections;

    const record = (ms: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    };
    const fail = (why: string) => {
      errors++;
      firstError ??= why;
    };
    const finish = () => {
      const sample = latencies.subarray(0, count).sort();
      const at = (q: number) =>
        count === 0 ? Number.NaN : sample[Math.min(count - 1, Math.floor(q * count))]!;
      const result: LoadResult = {
        requests: count,
        completed,
        errors,
        elapsedMs: job.durationMs,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
      };
      if (firstError !== undefined) result.firstError = firstError;
      resolve(result);
    };

    for (let conn = 0; conn < job.connections; conn++) {
      let n = 0;
      let sentAt = 0;
      let pending: Buffer = Buffer.alloc(0);
      const socket = net.connect({ host: job.host, port: portFor(job, conn), noDelay: true });
      const send = () => {
        sentAt = performance.now();
        socket.write(requestFor(job, conn, n++));
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const response = completeResponse(pending);
        if (!response) return;
        pending = pending.subarray(response.length);
        const now = performance.now();
        if (response.status >= 200 && response.status < 300) completed++;
        if (now >= measureFrom && now < stopAt) {
          if (response.status >= 200 && response.status < 300) record(now - sentAt);
          else fail(`HTTP ${response.status}`);
        }
        if (now < stopAt) send();
        else socket.end();
      });
      socket.on('error', (err) => fail(err.message));
      socket.on('close', () => {
        if (--open === 0) finish();
      });
    }
  });
}

// As a child process: one job per message, one result per reply.
if (process.send) {
  process.on('message', (job: LoadJob) => {
    void runLoad(job).then((result) => process.send!(result));
  });
}
