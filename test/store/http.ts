// Test helpers for the store's HTTP tests: raw socket requests (for bytes fetch will not send) and a small fetch
// wrapper that returns status, headers and text.
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export async function http(url: string, init?: RequestInit): Promise<Reply> {
  const res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(15_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function q(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/** Sends `request` bytes as they are and resolves with everything the server sends until it closes (or timeout). */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(err);
    });
  });
}

/** A GET with Connection: close, the target given as raw bytes (latin1 string -> bytes). */
export function rawGet(port: number, target: string | Buffer): Promise<string> {
  const head = Buffer.from('GET ', 'latin1');
  const t = typeof target === 'string' ? Buffer.from(target, 'latin1') : target;
  const tail = Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1');
  return rawRequest(port, Buffer.concat([head, t, tail]));
}

export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}
