import { describe, expect, it } from 'vitest';
import { parseImchatInput } from '../../src/imchat/input.js';

describe('parseImchatInput', () => {
  it('tells messages from commands, as plainwire chat does', () => {
    expect(parseImchatInput('hello')).toEqual({ kind: 'send', text: 'hello' });
    expect(parseImchatInput('hello\r')).toEqual({ kind: 'send', text: 'hello' });
    expect(parseImchatInput('//etc')).toEqual({ kind: 'send', text: '/etc' });
    expect(parseImchatInput('/who')).toEqual({ kind: 'who' });
    expect(parseImchatInput(' /QUIT ')).toEqual({ kind: 'send', text: ' /QUIT ' });
    expect(parseImchatInput('/quit ')).toEqual({ kind: 'quit' });
    expect(parseImchatInput('/help')).toEqual({ kind: 'help' });
    expect(parseImchatInput('   ')).toEqual({ kind: 'nothing' });
    expect(parseImchatInput('/hlep me')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/\/hlep/),
    });
  });
});
