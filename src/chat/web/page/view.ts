// The page's DOM: finds the elements of index.html and brings them in line with the model. Everything from the
// network goes in as text (textContent), never as HTML. Lists are updated in place, so keyboard focus stays put.
import { type ChatMessage, type ChatModel, type Conversation, conversationKey } from './model.js';

export interface ViewActions {
  join(name: string): void;
  select(key: string): void;
  selectGroup(name: string): void;
  leaveGroup(): void;
  send(text: string): void;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

interface ListItem {
  key: string;
  label: string;
  detail?: string;
  unread: number;
  current: boolean;
  choose(): void;
}

export class ChatView {
  private readonly status = byId<HTMLParagraphElement>('status');
  private readonly joinForm = byId<HTMLFormElement>('join');
  private readonly nameInput = byId<HTMLInputElement>('name');
  private readonly joinProblem = byId<HTMLParagraphElement>('join-problem');
  private readonly chat = byId<HTMLDivElement>('chat');
  private readonly everyone = byId<HTMLButtonElement>('everyone');
  private readonly users = byId<HTMLUListElement>('users');
  private readonly groups = byId<HTMLUListElement>('groups');
  private readonly target = byId<HTMLHeadingElement>('target');
  private readonly leave = byId<HTMLButtonElement>('leave');
  private readonly log = byId<HTMLDivElement>('log');
  private readonly messageInput = byId<HTMLInputElement>('message');
  private readonly sendProblem = byId<HTMLParagraphElement>('send-problem');
  /** The conversation the log shows, and an element per message shown. */
  private shownKey: string | undefined;
  private readonly shown = new Map<number, HTMLElement>();
  private renderQueued = false;

  constructor(
    private readonly model: ChatModel,
    private readonly actions: ViewActions,
  ) {
    this.joinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      actions.join(this.nameInput.value.trim());
    });
    byId<HTMLFormElement>('send').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.messageInput.value.trim();
      if (text !== '') actions.send(text);
    });
    byId<HTMLFormElement>('new-group').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = byId<HTMLInputElement>('group-name');
      const name = input.value.trim();
      if (name === '') return;
      input.value = '';
      actions.selectGroup(name);
    });
    this.everyone.addEventListener('click', () => actions.select('all'));
    this.leave.addEventListener('click', () => actions.leaveGroup());
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  joinProblemText(text: string): void {
    this.joinProblem.textContent = text;
  }

  sendProblemText(text: string): void {
    this.sendProblem.textContent = text;
  }

  clearMessageInput(): void {
    this.messageInput.value = '';
  }

  /** Shows the chat (registered) or the join form (not, or no longer). */
  showChat(registered: boolean): void {
    const wasHidden = this.chat.hidden;
    this.chat.hidden = !registered;
    this.joinForm.hidden = registered;
    if (registered && wasHidden) this.messageInput.focus();
    if (!registered) this.nameInput.focus();
  }

  focusMessage(): void {
    this.messageInput.focus();
  }

  /** Renders once per task however many lines arrived in it. */
  update(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const model = this.model;
    const current = model.current;
    const everyone = model.conversations.get('all')!;
    this.everyone.setAttribute('aria-current', String(current.key === 'all'));
    setUnread(this.everyone, everyone.unread);
    syncList(
      this.users,
      model.sortedUsers().map((name) => {
        const key = conversationKey('user', name);
        return {
          key,
          label: name,
          unread: model.conversations.get(key)?.unread ?? 0,
          current: current.key === key,
          choose: () => this.actions.select(model.conversation('user', name).key),
        };
      }),
    );
    syncList(
      this.groups,
      model.sortedGroups().map((group) => {
        const key = conversationKey('group', group.name);
        return {
          key,
          label: group.name,
          detail: group.joined ? `(${group.members})` : `(${group.members}, not joined)`,
          unread: model.conversations.get(key)?.unread ?? 0,
          current: current.key === key,
          choose: () => this.actions.selectGroup(group.name),
        };
      }),
    );
    this.target.textContent = titleOf(current);
    this.leave.hidden = current.kind !== 'group';
    this.renderLog(current);
  }

  private renderLog(conversation: Conversation): void {
    const log = this.log;
    if (this.shownKey !== conversation.key) {
      this.shownKey = conversation.key;
      this.shown.clear();
      log.replaceChildren();
    }
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
    const keep = new Set<number>();
    for (const message of conversation.messages) {
      keep.add(message.id);
      const element = this.shown.get(message.id);
      if (element) updateMessage(element, message);
      else {
        const created = createMessage(message);
        this.shown.set(message.id, created);
        log.append(created);
      }
    }
    for (const [id, element] of this.shown) {
      if (keep.has(id)) continue;
      element.remove();
      this.shown.delete(id);
    }
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}

function titleOf(conversation: Conversation): string {
  if (conversation.kind === 'all') return 'Everyone';
  if (conversation.kind === 'user') return `Private: ${conversation.name}`;
  return `Group: ${conversation.name}`;
}

function createMessage(message: ChatMessage): HTMLElement {
  const element = document.createElement('div');
  element.className = message.from === undefined ? 'message notice' : 'message';
  if (message.from !== undefined) {
    const from = document.createElement('span');
    from.className = 'from';
    from.textContent = message.from;
    element.append(from);
  }
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = message.text;
  const state = document.createElement('span');
  state.className = 'state';
  element.append(text, state);
  updateMessage(element, message);
  return element;
}

const STATE_TEXT: Record<string, string> = { sending: 'sending…', sent: '', received: '' };

function updateMessage(element: HTMLElement, message: ChatMessage): void {
  if (element.dataset.state === message.state) return;
  element.dataset.state = message.state;
  const state = element.lastElementChild as HTMLElement;
  state.textContent =
    message.state === 'failed' ? `not sent: ${message.problem ?? 'refused'}` : STATE_TEXT[message.state]!;
}

function setUnread(button: HTMLElement, unread: number): void {
  let badge = button.querySelector<HTMLElement>('.unread');
  if (unread === 0) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement('span');
    badge.className = 'unread';
    button.append(badge);
  }
  badge.textContent = `${unread} new`;
}

/** Makes a list show `items` in order, reusing the element of each key so a focused button is never replaced. */
function syncList(list: HTMLUListElement, items: readonly ListItem[]): void {
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) existing.set(li.dataset.key ?? '', li);
  items.forEach((item, index) => {
    let li = existing.get(item.key);
    existing.delete(item.key);
    if (!li) {
      li = document.createElement('li');
      li.dataset.key = item.key;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'conversation';
      const label = document.createElement('span');
      label.className = 'label';
      const detail = document.createElement('span');
      detail.className = 'members';
      button.append(label, detail);
      li.append(button);
    }
    const button = li.firstElementChild as HTMLButtonElement;
    button.onclick = item.choose;
    (button.children[0] as HTMLElement).textContent = item.label;
    (button.children[1] as HTMLElement).textContent = item.detail ?? '';
    button.setAttribute('aria-current', String(item.current));
    setUnread(button, item.unread);
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const li of existing.values()) li.remove();
}
