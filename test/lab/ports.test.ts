import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, PortsError, parsePorts } from '../../src/lab/ports.js';

describe('parsePorts', () => {
  it('takes three or four ports in the order serve,store,chat-server,chat-web', () => {
    expect(parsePorts('8000,8001,8090,8080')).toEqual(DEFAULT_PORTS);
    expect(parsePorts('1,2,3')).toEqual({ serve: 1, store: 2, 'chat-server': 3, 'chat-web': 8080 });
    expect(parsePorts(' 9000 , 9001,9002,9003 ')).toEqual({
      serve: 9000,
      store: 9001,
      'chat-server': 9002,
      'chat-web': 9003,
    });
  });

  it('reads "auto" (any case) and 0 as "let the system pick"', () => {
    expect(parsePorts('auto')).toEqual({ serve: 0, store: 0, 'chat-server': 0, 'chat-web': 0 });
    expect(parsePorts('AUTO')).toEqual(parsePorts('auto'));
    expect(parsePorts('0,0,0')['chat-server']).toBe(0);
  });

  it('says what is wrong and what to type', () => {
    expect(() => parsePorts('8000')).toThrow(
      '"8000" has 1 port: give 3 or 4 ports in the order serve,store,chat-server,chat-web (e.g. 8000,8001,8090,8080), or "auto"',
    );
    expect(() => parsePorts('1,2,3,4,5')).toThrow(/has 5 ports/);
    expect(() => parsePorts('1,2,65536')).toThrow(/"65536" \(for chat-server\) is not a port number/);
    expect(() => parsePorts('1,-2,3')).toThrow(/"-2" \(for store\)/);
    expect(() => parsePorts('1,,3')).toThrow(/"" \(for store\)/);
    expect(() => parsePorts('5,6,5')).toThrow('serve and chat-server cannot both have port 5');
  });

  it('either returns four ports in range or throws a PortsError', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const ports = parsePorts(text);
          expect(Object.keys(ports)).toHaveLength(4);
          for (const port of Object.values(ports)) expect(port >= 0 && port <= 65535).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(PortsError);
        }
      }),
    );
  });
});
