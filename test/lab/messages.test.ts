import { describe, expect, it } from 'vitest';
import { LabStartError, type StartedService } from '../../src/lab/lab.js';
import { describeStartError, formatStartup } from '../../src/lab/messages.js';
import { LAB_SERVICES, reachableHost } from '../../src/lab/services.js';
import { formatTable } from '../../src/lab/table.js';

function started(host: string, ports: number[]): StartedService[] {
  return LAB_SERVICES.map((service, i) => ({
    service,
    running: { host, port: ports[i]!, stop: async () => {} },
  }));
}

function listenError(code: string): Error {
  return Object.assign(new Error(`listen ${code}`), { code });
}

describe('the start-up table', () => {
  it('shows each service, where it is and a command to try, lined up', () => {
    expect(
      formatStartup(started('127.0.0.1', [8000, 8001, 8090, 8080]), '/d/plainwire-data', 'plainwire'),
    ).toBe(
      [
        'service      where                   try',
        'serve        http://127.0.0.1:8000/  plainwire browse http://127.0.0.1:8000/',
        "store        http://127.0.0.1:8001/  curl 'http://127.0.0.1:8001/?action=set&key=greeting&value=hello'",
        'chat-server  127.0.0.1:8090          telnet 127.0.0.1 8090',
        'chat-web     http://127.0.0.1:8080/  open http://127.0.0.1:8080/ in a web browser',
        '',
        'data: /d/plainwire-data (kept across runs; --data DIR to use another)',
        '',
      ].join('\n'),
    );
  });

  it('shows a loopback address to try when the services listen on every interface', () => {
    const text = formatStartup(started('0.0.0.0', [1, 2, 3, 4]), '/d', 'npx plainwire');
    expect(text).toContain('npx plainwire browse http://127.0.0.1:1/');
    expect(text).toContain('telnet 127.0.0.1 3');
    const v6 = formatStartup(started('::', [1, 2, 3, 4]), '/d', 'plainwire');
    expect(v6).toContain('http://[::1]:2/');
    expect(v6).toContain('[::1]:3  ');
    expect(reachableHost('::1')).toBe('::1');
  });

  it('lines up columns by the widest cell', () => {
    expect(formatTable([{ service: 'a', where: 'b', tryThis: '' }])).toBe('service  where  try\na        b');
  });
});

describe('describeStartError', () => {
  it('names the service and the port in use, and what to do', () => {
    expect(describeStartError(new LabStartError('store', '127.0.0.1', 8001, listenError('EADDRINUSE')))).toBe(
      'plainwire lab: cannot start store: 127.0.0.1:8001 is in use (stop what holds it, or use --ports ... / --ports auto)',
    );
    expect(describeStartError(new LabStartError('serve', '::1', 80, listenError('EACCES')))).toBe(
      'plainwire lab: cannot start serve: [::1]:80: permission denied (ports below 1024 need privileges; use --ports ... / --ports auto)',
    );
    expect(
      describeStartError(new LabStartError('serve', '10.9.9.9', 1, listenError('EADDRNOTAVAIL'))),
    ).toMatch(/10\.9\.9\.9:1: address not available on this machine \(check --host\)$/);
    expect(describeStartError(new LabStartError('serve', 'nohost', 1, listenError('ENOTFOUND')))).toBe(
      'plainwire lab: cannot start serve: nohost: unknown host (check --host)',
    );
  });

  it('passes on the message of any other failure', () => {
    expect(
      describeStartError(new LabStartError('store', 'h', 1, new Error('the data directory is in use'))),
    ).toBe('plainwire lab: cannot start store: the data directory is in use');
    expect(describeStartError(new Error('odd'))).toBe('plainwire lab: odd');
  });
});
