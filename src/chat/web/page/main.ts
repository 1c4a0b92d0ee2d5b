// The web client's entry point: wires the connection, the model and the view, and turns the user's actions into
// protocol commands (REGISTER, MESSAGE, PRIVATE, JOIN, LEAVE, GROUP) and the server's replies into the model.
import { isValidName, NAME_RULE, nameKey, quoteInput, type Reply } from '../../protocol.js';
import { ChatLink, LOST } from './link.js';
import {
  ChatModel,
  commandFor,
  type ListPage,
  MAX_LISTED,
  parseGroupsReply,
  parseUsersReply,
} from './model.js';
import { ChatView } from './view.js';

/**
 * How often the lists are asked for again: other people's new groups are not announced, and in a chat larger
 * than the server's --presence-limit neither are people who share no group with us.
 */
const LISTS_REFRESH_MS = 10_000;

const model = new ChatModel();
const maxLineBytes = Number(
  document.querySelector<HTMLMetaElement>('meta[name="plainwire-max-line-bytes"]')?.content ?? '4096',
);
const encoder = new TextEncoder();
/** The name the user asked for: registered again after every reconnect. */
let wantedName: string | undefined;

const view = new ChatView(model, {
  join(name) {
    if (name === '') return;
    if (!isValidName(name)) {
      view.joinProblemText(`${quoteInput(name)} is not a valid name: use ${NAME_RULE}`);
      return;
    }
    wantedName = name;
    view.joinProblemText('');
    if (link.isOpen) register(name);
    else view.joinProblemText('not connected yet: joining as soon as the server answers');
  },
  select(key) {
    model.select(key);
    view.update();
    view.focusMessage();
  },
  selectGroup(name) {
    const group = model.groups.get(nameKey(name));
    if (group?.joined) {
      model.select(model.conversation('group', group.name).key);
      view.update();
      view.focusMessage();
      return;
    }
    send(`JOIN ${name}`, (reply) => {
      if (!reply.ok) {
        view.sendProblemText(reply.text || 'could not join the group');
        return;
      }
      const joined = reply.text.replace(/^JOINED /, '');
      model.joinedGroup(joined);
      model.select(model.conversation('group', joined).key);
      view.focusMessage();
      refreshGroups();
    });
  },
  leaveGroup() {
    const current = model.current;
    if (current.kind !== 'group') return;
    send(`LEAVE ${current.name}`, (reply) => {
      if (reply.ok || reply.code === 'NOT_MEMBER') model.leftGroup(current.name);
      model.select('all');
    });
  },
  send(text) {
    const conversation = model.current;
    const line = commandFor(conversation, text);
    const bytes = encoder.encode(line).length;
    if (bytes > maxLineBytes) {
      view.sendProblemText(`too long: ${bytes} bytes, and a line may have ${maxLineBytes}; nothing was sent`);
      return;
    }
    if (!link.isOpen) {
      view.sendProblemText('not connected: nothing was sent (the page reconnects by itself)');
      return;
    }
    view.sendProblemText('');
    const message = model.addOwn(conversation, text);
    view.clearMessageInput();
    view.update();
    send(line, (reply) => {
      if (reply === LOST) model.lost(message);
      else model.confirm(message, reply);
    });
  },
});

const link = new ChatLink(webSocketUrl(), {
  open() {
    view.setStatus(wantedName === undefined ? 'Connected: choose a name' : 'Connected: joining…');
    if (wantedName !== undefined) register(wantedName);
  },
  event(event) {
    model.applyEvent(event);
    view.update();
  },
  closed(retryMs) {
    view.setStatus(`Connection lost: trying again in ${Math.max(1, Math.round(retryMs / 1000))} s`);
    view.update();
  },
});

/** Sends a command and re-renders when its reply came. */
function send(line: string, answer: (reply: Reply) => void = () => {}): void {
  link.send(line, (reply) => {
    answer(reply);
    view.update();
  });
}

function register(name: string): void {
  send(`REGISTER ${name}`, (reply) => {
    if (reply === LOST) return;
    if (!reply.ok) {
      model.me = undefined;
      wantedName = undefined;
      view.showChat(false);
      view.setStatus('Connected: choose a name');
      view.joinProblemText(reply.text || 'that name was refused');
      return;
    }
    const registeredAs = reply.text.split(' ').at(-1) ?? name;
    wantedName = registeredAs;
    model.registered(registeredAs);
    link.connected();
    view.setStatus(`Connected as ${registeredAs}`);
    view.showChat(true);
    // After a server restart nobody is in any group: join ours again.
    for (const group of model.joinedGroups()) {
      send(`JOIN ${group}`, (joined) => {
        if (!joined.ok && joined.code !== 'ALREADY_MEMBER') model.leftGroup(group);
      });
    }
    refresh();
  });
}

function refresh(): void {
  refreshUsers();
  refreshGroups();
}

/**
 * Reads a USERS or GROUPS listing a page at a time (`<VERB> <after>` continues after the last entry shown) up to
 * MAX_LISTED entries, then hands the whole of it over.
 */
function readList<T>(
  verb: 'USERS' | 'GROUPS',
  parse: (text: string) => ListPage<T> | undefined,
  nameOf: (entry: T) => string,
  done: (entries: T[]) => void,
  after?: string,
  collected: T[] = [],
): void {
  send(after === undefined ? verb : `${verb} ${after}`, (reply) => {
    const page = reply.ok ? parse(reply.text) : undefined;
    if (!page) return;
    collected.push(...page.entries);
    const last = page.entries.at(-1);
    if (page.more > 0 && last !== undefined && collected.length < MAX_LISTED) {
      readList(verb, parse, nameOf, done, nameOf(last), collected);
    } else done(collected);
  });
}

function refreshUsers(): void {
  readList(
    'USERS',
    parseUsersReply,
    (name) => name,
    (names) => model.setUsers(names),
  );
}

function refreshGroups(): void {
  readList(
    'GROUPS',
    parseGroupsReply,
    (group) => group.name,
    (groups) => model.setGroups(groups),
  );
}

function webSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

setInterval(() => {
  if (link.isOpen && model.me !== undefined) refresh();
}, LISTS_REFRESH_MS);

link.connect();
view.showChat(false);
view.update();
