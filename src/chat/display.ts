// How `plainwire chat` shows what arrives: one line per event or reply, with time, sender and colour. Every
// string that came from the server is sanitised here, so a hostile server or user cannot drive the terminal.
import type { Style } from '../term/style.js';
import { sanitizeLine } from '../text/sanitize.js';
import { parseListing } from './client.js';
import type { ChatEvent, Reply } from './protocol.js';
import { type Echo, slashHints } from './input.js';

export function clock(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

const NAME_COLOURS = ['cyan', 'green', 'yellow', 'blue', 'magenta'] as const;

/** The same name always gets the same colour, so a conversation is easy to follow. */
function nameColour(style: Style, name: string): (s: string) => string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return style[NAME_COLOURS[hash % NAME_COLOURS.length]!];
}

export class ChatDisplay {
  constructor(
    private readonly style: Style,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private stamp(): string {
    return this.style.dim(clock(this.now()));
  }

  private who(name: string): string {
    const clean = sanitizeLine(name);
    return this.style.bold(nameColour(this.style, clean)(`<${clean}>`));
  }

  info(text: string): string {
    return `${this.stamp()} ${this.style.dim(`-- ${text}`)}`;
  }

  error(text: string): string {
    return `${this.stamp()} ${this.style.red(`!! ${text}`)}`;
  }

  /** A line for an event, or undefined for the ones not worth showing (the idle PING, answered silently). */
  event(event: ChatEvent): string | undefined {
    const s = this.style;
    switch (event.type) {
      case 'MESSAGE':
        return `${this.stamp()} ${this.who(event.from)} ${sanitizeLine(event.text)}`;
      case 'PRIVATE':
        return `${this.stamp()} ${s.magenta('[private]')} ${this.who(event.from)} ${sanitizeLine(event.text)}`;
      case 'GROUP':
        return `${this.stamp()} ${s.blue(`[${sanitizeLine(event.group)}]`)} ${this.who(event.from)} ${sanitizeLine(event.text)}`;
      case 'JOINED':
        return this.info(
          event.group
            ? `${sanitizeLine(event.name)} joined ${sanitizeLine(event.group)}`
            : `${sanitizeLine(event.name)} joined the chat`,
        );
      case 'LEFT':
        return this.info(
          event.group
            ? `${sanitizeLine(event.name)} left ${sanitizeLine(event.group)}`
            : `${sanitizeLine(event.name)} left the chat`,
        );
      case 'RENAMED':
        return this.info(`${sanitizeLine(event.from)} is now ${sanitizeLine(event.to)}`);
      case 'BYE':
        return this.info(`server says goodbye: ${slashHints(sanitizeLine(event.text))}`);
      case 'HELLO':
      case 'NOTICE':
        return this.info(sanitizeLine(event.text));
      case 'PING':
        return undefined;
    }
  }

  /** Your own message, shown as the others see it. */
  own(name: string, echo: Echo): string {
    const s = this.style;
    const where =
      echo.to === 'private'
        ? `${s.magenta(`[to ${sanitizeLine(echo.names)}]`)} `
        : echo.to === 'group'
          ? `${s.blue(`[${sanitizeLine(echo.group)}]`)} `
          : '';
    return `${this.stamp()} ${where}${this.who(name)} ${sanitizeLine(echo.text)}`;
  }

  /** A line for the reply to one of your commands (verb is what was sent), or undefined when silence is right. */
  reply(verb: string, reply: Reply): string | undefined {
    // The server's hints name protocol verbs ("type USERS"); the person here types slash commands.
    if (!reply.ok) return this.error(slashHints(sanitizeLine(reply.text || reply.code || 'error')));
    const words = sanitizeLine(reply.text).split(' ');
    switch (verb) {
      case 'USERS': {
        const { total, entries, more } = parseListing(sanitizeLine(reply.text));
        const page = `${total} ${total === 1 ? 'person' : 'people'} here: ${entries.join(' ')}`;
        return this.info(more > 0 ? `${page}; ${more} more: /users ${entries.at(-1) ?? ''}` : page);
      }
      case 'GROUPS': {
        const { total, entries, more } = parseListing(sanitizeLine(reply.text));
        if (total === 0) return this.info('no groups yet (/join one)');
        const groups = entries.map((g) => g.replace(/:(\d+)$/, ' ($1)'));
        const page = `${total} ${total === 1 ? 'group' : 'groups'}: ${groups.join(', ')}`;
        const last = entries.at(-1)?.replace(/:\d+$/, '') ?? '';
        return this.info(more > 0 ? `${page}; ${more} more: /groups ${last}` : page);
      }
      case 'JOIN':
        return this.info(`you joined ${words[1] ?? ''}`);
      case 'LEAVE':
        return this.info(`you left ${words[1] ?? ''}`);
      case 'REGISTER':
        return this.info(`you are now ${words.at(-1) ?? ''}`);
      case 'MESSAGE':
      case 'GROUP':
        return words[1] === '0' ? this.info('nobody else heard that') : undefined;
      default:
        return undefined;
    }
  }
}
