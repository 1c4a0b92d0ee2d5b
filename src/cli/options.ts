// Parsers for the option values several commands share (ports, host:port), with errors a person can act on.
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0-65535; 0 picks a free one).`);
  }
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return n;
}

/** A host that is neither an IP address nor a host name (a typo such as "bad host:port:x"). */
export class InvalidHostError extends InvalidArgumentError {}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

function checkHost(host: string): string {
  if (isIP(host) === 0 && !HOST_NAME.test(host))
    throw new InvalidHostError(
      `"${host}" is not a host name or an IP address (an IPv6 address with a port: [::1]:PORT).`,
    );
  return host;
}

/** "host", "host:port", ":port", "[::1]:port" -> {host, port}; missing parts take the defaults. */
export function parseHostPort(
  value: string,
  defaults: { host: string; port: number },
): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6)
      throw new InvalidHostError(`"${bracketed[1]}" in brackets is not an IPv6 address.`);
    return { host: bracketed[1]!, port: bracketed[2] ? parsePort(bracketed[2]) : defaults.port };
  }
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = value.split(':') as [string, string];
    return { host: host ? checkHost(host) : defaults.host, port: port ? parsePort(port) : defaults.port };
  }
  return { host: value ? checkHost(value) : defaults.host, port: defaults.port };
}

/** The port of a server to reach: 0 means "any free port" only to a server that listens. */
export function parseServerPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a server port (1-65535).`);
  }
  return port;
}

/**
 * HOST[:PORT] of a server to reach (a client's argument): the port, when given, is 1-65535, and a colon with
 * nothing after it is a port forgotten, not the default. `port` is undefined when none was written.
 */
export function parseServerAddress(value: string): { host: string; port: number | undefined } {
  let parsed: { host: string; port: number };
  try {
    parsed = parseHostPort(value, { host: '127.0.0.1', port: -1 });
  } catch (err) {
    if (err instanceof InvalidHostError) throw err;
    const [, typed] = /:([^:\]]*)$/.exec(value) ?? [];
    throw new InvalidArgumentError(`"${typed ?? value}" is not a server port (1-65535).`);
  }
  if (parsed.port >= 0) return { host: parsed.host, port: parseServerPort(String(parsed.port)) };
  if (value.endsWith(':') && value.split(':').length === 2)
    throw new InvalidArgumentError(`"${value}" has no port after the ":" (e.g. ${value}8090).`);
  return { host: parsed.host, port: undefined };
}

export interface SecondsRule {
  /** Whole seconds only (a store TTL is counted in whole seconds). */
  whole?: boolean;
  /** Accept 0 ("do not wait"). */
  zero?: boolean;
  /** The largest value that makes sense, in seconds. */
  max?: number;
}

/**
 * The one grammar of every option given in seconds: a plain decimal number ("15", "0.5"; "1e3" or "15s" are
 * refused), positive unless `zero`, whole when `whole`, at most `max`.
 */
export function parseSeconds(rule: SecondsRule = {}): (value: string) => number {
  const example = rule.whole ? 'e.g. 15' : 'e.g. 15 or 0.5';
  return (value: string) => {
    const n = Number(value);
    if (!(rule.whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(value))
      throw new InvalidArgumentError(
        `"${value}" is not a ${rule.whole ? 'whole ' : ''}number of seconds (${example}).`,
      );
    if (n === 0 && !rule.zero)
      throw new InvalidArgumentError(`"${value}" is too short: give more than 0 seconds.`);
    if (rule.max !== undefined && n > rule.max)
      throw new InvalidArgumentError(`"${value}" is too long: at most ${rule.max} seconds.`);
    return n;
  };
}

/** "http://h:p,h:p" -> URLs with a scheme; what etcd's own --endpoints takes. */
export function parseEtcdUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0)
    throw new InvalidArgumentError('give at least one etcd client URL, e.g. http://127.0.0.1:2379.');
  return urls.map((raw) => {
    const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new InvalidArgumentError(`"${raw}" is not an etcd client URL (e.g. http://127.0.0.1:2379).`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || url.pathname !== '/')
      throw new InvalidArgumentError(
        `"${raw}" is not an etcd client URL: give http://HOST:PORT (etcd's client port, 2379 by default).`,
      );
    return `${url.protocol}//${url.host}`;
  });
}

/** redis://HOST:PORT (or rediss://, with user, password and database as ioredis takes them). */
export function parseRedisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL; use redis://HOST:PORT`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new InvalidArgumentError(`"${value}" is not a Redis URL; use redis://HOST:PORT`);
  return value;
}
