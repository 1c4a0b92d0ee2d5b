// Option values shared by several commands: hosts, ports, host:port.
import { describe, expect, it } from 'vitest';
import { InvalidHostError, parseHostPort, parsePort, parseSeconds } from '../../src/cli/options.js';
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

describe('parseSeconds: one grammar for every option in seconds', () => {
  it('takes plain decimals and refuses units, exponents, signs and blanks', () => {
    const seconds = parseSeconds();
    expect(seconds('15')).toBe(15);
    expect(seconds('0.5')).toBe(0.5);
    for (const bad of ['15s', '1e3', '-1', '', ' 2', '.5', 'Infinity', '0x10']) {
      expect(() => seconds(bad), bad).toThrow(/is not a number of seconds \(e\.g\. 15 or 0\.5\)/);
    }
  });

  it('refuses 0 unless the option allows it, and says what it wants', () => {
    expect(() => parseSeconds()('0')).toThrow(/more than 0 seconds/);
    expect(parseSeconds({ zero: true })('0')).toBe(0);
  });

  it('applies whole and max', () => {
    expect(() => parseSeconds({ whole: true })('1.5')).toThrow(/not a whole number of seconds \(e\.g\. 15\)/);
    expect(parseSeconds({ whole: true })('30')).toBe(30);
    expect(() => parseSeconds({ max: 86_400 })('86401')).toThrow(/at most 86400 seconds/);
  });

  it('is what serve and connect use', async () => {
    const serve = await runCli(['serve', '--header-timeout', '2days']);
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toMatch(/"2days" is not a number of seconds/);
    const connect = await runCli(['connect', '127.0.0.1:1', '--timeout', '0']);
    expect(connect.code).not.toBe(0);
    expect(connect.stderr).toMatch(/more than 0 seconds/);
  });
});
