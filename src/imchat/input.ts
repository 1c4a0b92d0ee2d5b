// What a typed (or piped) imchat line means: a message, or one of the few slash commands. The same rule as
// `plainwire chat`: a line starting with "/" is a command, "//" says a line that starts with "/".

export type ImchatInput =
  | { kind: 'send'; text: string }
  | { kind: 'who' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'nothing' }
  | { kind: 'error'; message: string };

export const IMCHAT_HELP: readonly string[] = [
  'type text to say it to the room; start a line with "//" to say something that starts with "/"',
  '/who    who is present',
  '/help   this list',
  '/quit   leave (so does end of input, Ctrl-D)',
];

export function parseImchatInput(line: string): ImchatInput {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return { kind: 'nothing' };
  if (text.startsWith('//')) return { kind: 'send', text: text.slice(1) };
  if (!text.startsWith('/')) return { kind: 'send', text };
  const command = text.trim().toLowerCase();
  if (command === '/who') return { kind: 'who' };
  if (command === '/help') return { kind: 'help' };
  if (command === '/quit') return { kind: 'quit' };
  const name = text.trim().split(/\s/)[0]!;
  // A typo such as "/hlep" must not be said to everyone.
  return {
    kind: 'error',
    message: `unknown command ${name} (type /help; "//" says a line starting with "/")`,
  };
}
