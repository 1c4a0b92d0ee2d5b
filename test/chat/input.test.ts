import { describe, expect, it } from 'vitest';
import { ChatDisplay } from '../../src/chat/display.js';
import { parseInput, slashHints } from '../../src/chat/input.js';
import { makeStyle } from '../../src/term/style.js';
import { NAME_RULE } from '../../src/text/names.js';
import { isTerminalSafe } from '../../src/text/sanitize.js';

describe('parseInput', () => {
  it('turns plain text into a broadcast and slash commands into verbs', () => {
    expect(parseInput('hello world')).toEqual({
      kind: 'send',
      line: 'MESSAGE hello world',
      echo: { to: 'all', text: 'hello world' },
    });
    expect(parseInput('//not a command')).toMatchObject({ line: 'MESSAGE /not a command' });
    expect(parseInput('/msg bob,carol  psst  there')).toEqual({
      kind: 'send',
      line: 'PRIVATE bob,carol psst  there',
      echo: { to: 'private', names: 'bob,carol', text: 'psst  there' },
    });
    expect(parseInput('/g devs ship it')).toMatchObject({ line: 'GROUP devs ship it' });
    expect(parseInput('/join devs')).toEqual({ kind: 'send', line: 'JOIN devs' });
    expect(parseInput('/LEAVE devs')).toEqual({ kind: 'send', line: 'LEAVE devs' });
    expect(parseInput('/nick rob')).toEqual({ kind: 'send', line: 'REGISTER rob' });
    expect(parseInput('/users')).toEqual({ kind: 'send', line: 'USERS' });
    expect(parseInput('/groups')).toEqual({ kind: 'send', line: 'GROUPS' });
    expect(parseInput('/users kim')).toEqual({ kind: 'send', line: 'USERS kim' });
    expect(parseInput('/groups  ops ')).toEqual({ kind: 'send', line: 'GROUPS ops' });
    expect(parseInput('/help')).toEqual({ kind: 'help' });
    expect(parseInput('/quit')).toEqual({ kind: 'quit', line: 'QUIT' });
    expect(parseInput('/quit gone fishing')).toEqual({ kind: 'quit', line: 'QUIT gone fishing' });
    expect(parseInput('   ')).toEqual({ kind: 'none' });
  });

  it('explains wrong usage instead of sending it', () => {
    expect(parseInput('/msg bob')).toEqual({ kind: 'error', message: 'usage: /msg name[,name...] text' });
    expect(parseInput('/join')).toEqual({ kind: 'error', message: 'usage: /join group' });
    expect(parseInput('/join a b')).toEqual({ kind: 'error', message: 'usage: /join group' });
    expect(parseInput('/users a b')).toEqual({ kind: 'error', message: 'usage: /users [from]' });
    expect(parseInput('/dance')).toEqual({ kind: 'error', message: 'unknown command /dance (type /help)' });
  });

  it('refuses a name or group the server would refuse, in the words of the shared name rule', () => {
    expect(parseInput('/nick ..')).toEqual({
      kind: 'error',
      message: `".." is not a valid name: use ${NAME_RULE}`,
    });
    expect(parseInput('/nick b@d')).toEqual({
      kind: 'error',
      message: `"b@d" is not a valid name: use ${NAME_RULE}`,
    });
    expect(parseInput('/join ---')).toEqual({
      kind: 'error',
      message: `"---" is not a valid group name: use ${NAME_RULE}`,
    });
    expect(parseInput('/nick a.b-c_9')).toEqual({ kind: 'send', line: 'REGISTER a.b-c_9' });
  });
});

describe('ChatDisplay', () => {
  const at = () => new Date(2026, 0, 2, 3, 4, 5);
  const plain = new ChatDisplay(makeStyle(false), at);

  it('shows time and sender', () => {
    expect(plain.event({ type: 'MESSAGE', from: 'bob', text: 'hi' })).toBe('03:04:05 <bob> hi');
    expect(plain.event({ type: 'PRIVATE', from: 'bob', text: 'psst' })).toBe('03:04:05 [private] <bob> psst');
    expect(plain.event({ type: 'GROUP', group: 'devs', from: 'bob', text: 'go' })).toBe(
      '03:04:05 [devs] <bob> go',
    );
    expect(plain.event({ type: 'RENAMED', from: 'bob', to: 'rob' })).toBe('03:04:05 -- bob is now rob');
    expect(plain.event({ type: 'PING', token: '1' })).toBeUndefined();
    expect(plain.own('ada', { to: 'private', names: 'bob', text: 'hey' })).toBe(
      '03:04:05 [to bob] <ada> hey',
    );
  });

  it('colours only when asked, and stays terminal-safe with hostile input', () => {
    const colour = new ChatDisplay(makeStyle(true), at);
    expect(colour.event({ type: 'MESSAGE', from: 'bob', text: 'hi' })).toContain('\u001b[');
    const hostile = plain.event({
      type: 'MESSAGE',
      from: 'b\u001b[2Job',
      text: 'x\u001b]0;t\u0007y\u009b1m',
    })!;
    expect(hostile).toBe('03:04:05 <bob> xy');
    expect(isTerminalSafe(hostile)).toBe(true);
    expect(plain.reply('USERS', { ok: true, text: 'USERS 2 a b', line: '' })).toBe(
      '03:04:05 -- 2 people here: a b',
    );
    expect(plain.reply('MESSAGE', { ok: true, text: 'SENT 3', line: '' })).toBeUndefined();
  });

  it('shows a page of a long listing with the total and the command for the next page', () => {
    expect(plain.reply('USERS', { ok: true, text: 'USERS 250 ada al kim +247', line: '' })).toBe(
      '03:04:05 -- 250 people here: ada al kim; 247 more: /users kim',
    );
    expect(plain.reply('USERS', { ok: true, text: 'USERS 250 ute zoe', line: '' })).toBe(
      '03:04:05 -- 250 people here: ute zoe',
    );
    expect(plain.reply('GROUPS', { ok: true, text: 'GROUPS 40 a:1 ops:12 +38', line: '' })).toBe(
      '03:04:05 -- 40 groups: a (1), ops (12); 38 more: /groups ops',
    );
    expect(plain.reply('GROUPS', { ok: true, text: 'GROUPS 1 ops:2', line: '' })).toBe(
      '03:04:05 -- 1 group: ops (2)',
    );
    expect(plain.reply('GROUPS', { ok: true, text: 'GROUPS 0', line: '' })).toBe(
      '03:04:05 -- no groups yet (/join one)',
    );
    expect(plain.reply('MESSAGE', { ok: false, code: 'X', text: 'bad\u0007', line: '' })).toBe(
      '03:04:05 !! bad',
    );
    expect(
      plain.reply('PRIVATE', {
        ok: false,
        code: 'NO_SUCH_USER',
        text: 'no such user: "x" (type USERS)',
        line: '',
      }),
    ).toBe('03:04:05 !! no such user: "x" (type /users)');
    expect(plain.event({ type: 'BYE', text: 'see you (type HELP next time)' })).toBe(
      '03:04:05 -- server says goodbye: see you (type /help next time)',
    );
  });
});

describe('slashHints', () => {
  it("speaks in slash commands where the server's hints name protocol verbs", () => {
    // Every hint the chat server writes into its replies (src/chat/room.ts, protocol.ts).
    expect(slashHints('no such user: "ghost" (nothing was sent; type USERS)')).toBe(
      'no such user: "ghost" (nothing was sent; type /users)',
    );
    expect(slashHints('you are not in "ops" (type GROUPS)')).toBe('you are not in "ops" (type /groups)');
    expect(slashHints('no group "ops" (type GROUPS)')).toBe('no group "ops" (type /groups)');
    expect(slashHints('join ops first: JOIN ops')).toBe('join ops first: /join ops');
    expect(slashHints('no names given; usage: PRIVATE <name[,name...]> <text>')).toBe(
      'no names given; usage: /msg name[,name...] text',
    );
    expect(slashHints('text is missing; usage: MESSAGE <text>')).toBe(
      'text is missing; usage: just type the text',
    );
    expect(slashHints('too many arguments; usage: GROUP <group> <text>')).toBe(
      'too many arguments; usage: /g group text',
    );
    expect(slashHints('LEAVE needs a name first: REGISTER <name>')).toBe(
      'LEAVE needs a name first: /nick name',
    );
    expect(slashHints('unknown command "x" (type HELP)')).toBe('unknown command "x" (type /help)');
    expect(slashHints('plainwire chat: type HELP for the commands, then REGISTER <name>')).toBe(
      'plainwire chat: type /help for the commands, then /nick name',
    );
    expect(slashHints('leave the chat: usage: QUIT [reason]')).toBe('leave the chat: usage: /quit [reason]');
    expect(slashHints('too many arguments; usage: USERS [after]')).toBe(
      'too many arguments; usage: /users [after]',
    );
    expect(slashHints('you are in 50 groups, the most one user may be in; LEAVE one first')).toBe(
      'you are in 50 groups, the most one user may be in; /leave one first',
    );
    expect(slashHints('the chat has 10 groups, the most it keeps; JOIN one that exists (type GROUPS)')).toBe(
      'the chat has 10 groups, the most it keeps; /join one that exists (type /groups)',
    );
  });

  it('leaves names and words that only look like verbs alone', () => {
    for (const text of [
      'you are already in GROUPS',
      'USERS is taken; choose another name',
      'no such user: "USERS", "type" (nothing was sent)',
      'more than 100 commands waiting; disconnecting',
      '"HELP" is not a valid name',
    ]) {
      expect(slashHints(text)).toBe(text);
    }
    expect(slashHints('join GROUPS first: JOIN GROUPS')).toBe('join GROUPS first: /join GROUPS');
    expect(slashHints('type HELP or QUIT')).toBe('type /help or /quit');
  });
});
