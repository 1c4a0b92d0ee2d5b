// Option values shared by several commands: hosts, ports, host:port.
import { describe, expect, it } from 'vitest';
import { InvalidHostError, parseHostPort, parsePort } from '../../src/cli/options.js';
import { runCli } from '../helpers/cli.js';

const defaults = { host: '127.0.0.1', port: 8090 };

describe('parseHostPort', () => {
  it('reads host, host:port, :port and bracketed IPv6, filling in the defaults', () => {
    expect(parseHostPort('example.com', defaults)).toEqual({ host: 'example.com', port: 8090 });
    expect(parseHostPort('localhost:9000', defaults)).toEqual({ host: 'localhost', port: 9000 });
    expect(parseHostPort(':9000', defaults)).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseHostPort('[::1]:9000', defaults)).toEqual({ host: '::1', port: 9000 });
    expect(parseHostPort('::1', defaults)).toEqual({ host: '::1', port: 8090 });
    expect(parseHostPort('10.0.0.1', defaults)).toEqual({ host: '10.0.0.1', port: 8090 });
  });

  it('refuses what is neither a host name nor an address, and bad ports', () => {
    expect(() => parseHostPort('bad host:port:x', defaults)).toThrow(InvalidHostError);
    expect(() => parseHostPort('bad host:80', defaults)).toThrow(/not a host name or an IP address/);
    expect(() => parseHostPort('[nope]:1', defaults)).toThrow(/not an IPv6 address/);
    expect(() => parseHostPort('host:99999', defaults)).toThrow(/not a port number/);
    expect(() => parsePort('http')).toThrow(/not a port number/);
  });
});

describe('commands given a bad host', () => {
  it('exit 2 with the reason, before trying to connect', async () => {
    const chat = await runCli(['chat', 'bad host:port:x', '--name', 'ada']);
    expect(chat.code).toBe(2);
    expect(chat.stderr).toMatch(/"bad host:port:x" is not a host name or an IP address/);
    const connect = await runCli(['connect', 'bad host:8091']);
    expect(connect.code).toBe(2);
    expect(connect.stderr).toMatch(/"bad host" is not a host name/);
  });
});
