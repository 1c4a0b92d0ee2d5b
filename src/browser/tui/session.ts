// The full-screen browser's side effects: fetching pages, back/forward history, form values, rendering at the
// terminal width. It performs the state machine's effects and reports back through events.
import { sanitizeLine } from '../../text/sanitize.js';
import { resolveAddress } from '../address.js';
import { FetchError, type FetchOptions, type PageRequest } from '../fetch.js';
import {
  buildSubmission,
  type FormState,
  fieldTakesInput,
  initialFormState,
  setFieldValue,
  toggleField,
} from '../forms.js';
import { History } from '../history.js';
import { loadPage, type Page, statusProblem } from '../page.js';
import { type RenderedPage, renderPage } from '../render.js';
import { plainText } from './screen.js';
import type { Effect, PageView, Position, TargetView, TuiEvent } from './state.js';

export interface SessionOptions {
  fetch: FetchOptions;
  colour: boolean;
  /** Fixed page width (--width); otherwise the terminal's. */
  width?: number;
  /** Base for file paths typed at the `g` prompt. */
  cwd?: string;
}

interface Entry {
  page: Page;
  formState: FormState;
  rendered: RenderedPage;
  width: number;
  position: Position;
}

export class BrowserSession {
  private readonly history = new History<Entry>();
  private columns: number;
  /** Bumped by every navigation, so a slow answer that was overtaken by a newer one is dropped. */
  private generation = 0;

  constructor(
    private readonly options: SessionOptions,
    private readonly emit: (event: TuiEvent) => void,
    columns: number,
  ) {
    this.columns = columns;
  }

  private get width(): number {
    return this.options.width ?? this.columns;
  }

  /** A new terminal width: the current page is laid out again, keeping the reader's place. */
  resize(columns: number, position: Position): void {
    this.columns = columns;
    const entry = this.history.current;
    if (!entry || entry.width === this.width) return;
    entry.position = position;
    this.show(entry, position);
  }

  async perform(effect: Effect): Promise<void> {
    switch (effect.type) {
      case 'open': {
        let url: string;
        try {
          url = resolveAddress(effect.address, this.options.cwd);
        } catch (err) {
          this.emit({ type: 'failed', message: `cannot open ${effect.address}: ${(err as Error).message}` });
          return;
        }
        return this.navigate({ url }, 'visit', effect.from);
      }
      case 'back':
      case 'forward': {
        this.remember(effect.from);
        const entry = effect.type === 'back' ? this.history.back() : this.history.forward();
        if (!entry) {
          this.emit({ type: 'notice', message: `no page to go ${effect.type} to`, error: true });
          return;
        }
        this.generation++;
        this.show(entry, entry.position);
        return;
      }
      case 'reload': {
        const entry = this.history.current;
        if (!entry) return;
        return this.navigate(entry.page.request, 'replace', effect.from);
      }
      case 'activate':
        return this.activate(effect.number, effect.from);
      case 'fill':
        return this.fill(effect.number, effect.value, effect.from);
      case 'stop':
        this.generation++;
        return;
      case 'quit':
        return;
    }
  }

  /** Loads a page; on failure the current page stays and the status line says why. */
  async navigate(request: PageRequest, mode: 'visit' | 'replace', from?: Position): Promise<void> {
    if (from) this.remember(from);
    const generation = ++this.generation;
    this.emit({ type: 'loading', url: sanitizeLine(request.url) });
    let page: Page;
    try {
      page = await loadPage(request, this.options.fetch);
    } catch (err) {
      if (generation !== this.generation) return;
      const message =
        err instanceof FetchError
          ? err.message
          : `cannot show ${request.url}: ${(err as Error)?.message ?? String(err)}`;
      this.emit({ type: 'failed', message: sanitizeLine(message) });
      return;
    }
    if (generation !== this.generation) return;
    const formState = initialFormState(page.doc);
    const position: Position = mode === 'replace' && from ? from : { top: 0, selected: null };
    const entry: Entry = {
      page,
      formState,
      rendered: this.render(page, formState),
      width: this.width,
      position,
    };
    if (mode === 'visit') this.history.visit(entry);
    else this.history.replace(entry);
    const note = page.fetched.charsetNote ? `note: ${page.fetched.charsetNote}` : undefined;
    this.show(entry, mode === 'replace' ? position : undefined, note);
  }

  private remember(position: Position): void {
    const entry = this.history.current;
    if (entry) entry.position = position;
  }

  private render(page: Page, formState: FormState): RenderedPage {
    return renderPage(page.doc, { width: this.width, colour: this.options.colour, formState });
  }

  private show(entry: Entry, position?: Position, notice?: string): void {
    if (entry.width !== this.width) {
      entry.rendered = this.render(entry.page, entry.formState);
      entry.width = this.width;
    }
    this.emit({ type: 'loaded', view: viewOf(entry), position, notice });
  }

  private async activate(number: number, from: Position): Promise<void> {
    const entry = this.history.current;
    const target = entry?.rendered.targets[number - 1];
    if (!entry || !target) {
      this.emit({ type: 'notice', message: `no link ${number}`, error: true });
      return;
    }
    if (target.kind === 'link') return this.navigate({ url: target.href }, 'visit', from);
    const { doc } = entry.page;
    const field = doc.fields[target.field]!;
    if (field.kind === 'submit') return this.submit(entry, target.field, from);
    if (field.kind === 'checkbox' || field.kind === 'radio') {
      entry.formState = toggleField(doc, entry.formState, field.index);
      entry.rendered = this.render(entry.page, entry.formState);
      entry.position = from;
      this.show(entry, from);
      return;
    }
    this.emit({ type: 'notice', message: `field ${number} cannot be used from here`, error: true });
  }

  private async fill(number: number, value: string, from: Position): Promise<void> {
    const entry = this.history.current;
    const target = entry?.rendered.targets[number - 1];
    if (!entry || !target || target.kind !== 'field') {
      this.emit({ type: 'notice', message: `${number} is not a form field`, error: true });
      return;
    }
    const state = setFieldValue(entry.page.doc, entry.formState, target.field, value);
    if (typeof state === 'string') {
      this.emit({ type: 'notice', message: state, error: true });
      return;
    }
    entry.formState = state;
    entry.rendered = this.render(entry.page, state);
    entry.position = from;
    this.show(entry, from, 'Tab to the submit button and press Enter to send the form');
  }

  private async submit(entry: Entry, fieldIndex: number, from: Position): Promise<void> {
    const submission = buildSubmission(entry.page.doc, entry.formState, fieldIndex);
    if (typeof submission === 'string') {
      this.emit({ type: 'notice', message: submission, error: true });
      return;
    }
    return this.navigate(submission, 'visit', from);
  }
}

/** What the screen needs of an entry; every string from the page is made terminal-safe here or was by render. */
function viewOf(entry: Entry): PageView {
  const { page, rendered } = entry;
  const doc = page.doc;
  const targets: TargetView[] = rendered.targets.map((t) => {
    if (t.kind === 'link')
      return {
        number: t.number,
        kind: 'link',
        lineIndex: t.lineIndex,
        column: t.column,
        text: sanitizeLine(t.text),
        href: sanitizeLine(t.href),
      };
    const field = doc.fields[t.field]!;
    const view: TargetView = { number: t.number, kind: 'field', lineIndex: t.lineIndex, column: t.column };
    if (fieldTakesInput(field)) {
      const name = sanitizeLine(field.name || 'the field');
      const value = entry.formState.values[field.index] ?? '';
      if (field.kind === 'select') {
        const choices = field.options.map((o, i) => `${i + 1}) ${sanitizeLine(o.label)}`).join(' ');
        // Empty, not the current choice: the reader types a number or a name, not edits the old one.
        view.input = { label: `${name} [${choices}]`, value: '' };
      } else if (field.kind === 'password')
        view.input = { label: `Password for ${name}`, value: '', secret: true };
      else view.input = { label: `Value for ${name}`, value: sanitizeLine(value) };
    }
    return view;
  });
  const problem = statusProblem(page.fetched);
  return {
    title: sanitizeLine(doc.title),
    url: sanitizeLine(page.fetched.url),
    lines: rendered.lines,
    plain: rendered.lines.map(plainText),
    targets,
    problem: problem === null ? null : sanitizeLine(problem),
  };
}
