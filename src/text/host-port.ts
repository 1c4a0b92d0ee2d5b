// How a host and port are written for people and in URLs' authority: IPv6 addresses in brackets.

/** `127.0.0.1:8090`, `[::1]:8090`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
