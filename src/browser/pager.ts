// Line mode, the lab's interface: print the page, ask for a link number or a command, go there; for ever.
// All I/O goes through PagerIO, so tests (and other front ends) can drive it without a terminal.
import { sanitizeLine } from '../text/sanitize.js';
import { resolveAddress } from './address.js';
import { FetchError, type FetchOptions, type PageRequest } from './fetch.js';
import {
  buildSubmission,
  type FormState,
  fieldLabel,
  initialFormState,
  setFieldValue,
  toggleField,
} from './forms.js';
import { History } from './history.js';
import { loadPage, type Page, statusProblem } from './page.js';
import { type RenderedPage, renderPage } from './render.js';

export const PROMPT = 'Select a link (number), b(ack), f(orward), g URL, r(eload), q(uit): ';

export const HELP = [
  'Commands:',
  '  N        follow link N, or use form field N (fill it, toggle it, or submit with a submit button)',
  '  f N      fill or toggle form field N',
  '  s N      submit the form that field N belongs to',
  '  b, f     back, forward',
  '  g URL    go to a URL (or a file path, or host:port)',
  '  r        reload',
  '  p        print the page again',
  '  l        list the links',
  '  h, ?     this help',
  '  q        quit (end of input quits too)',
];

export interface PagerIO {
  /** Shows the prompt and resolves with the next line typed, or null at the end of input. */
  ask(prompt: string): Promise<string | null>;
  /** Page output (stdout). */
  out(text: string): void;
  /** Diagnostics (stderr). */
  err(text: string): void;
}

export interface PagerOptions {
  width: number;
  colour: boolean;
  fetch: FetchOptions;
  /** Base for file paths typed after `g`. */
  cwd?: string;
  /** Prefix of one-line error messages. */
  errorPrefix?: string;
}

interface Entry {
  page: Page;
  formState: FormState;
  rendered: RenderedPage;
}

export class LinePager {
  private readonly history = new History<Entry>();
  private readonly prefix: string;

  constructor(
    private readonly io: PagerIO,
    private readonly options: PagerOptions,
  ) {
    this.prefix = options.errorPrefix ?? 'plainwire browse: ';
  }

  private error(message: string): void {
    this.io.err(`${this.prefix}${sanitizeLine(message)}\n`);
  }

  private render(page: Page, formState: FormState): RenderedPage {
    return renderPage(page.doc, { width: this.options.width, colour: this.options.colour, formState });
  }

  private show(entry: Entry): void {
    this.io.out(`${entry.rendered.lines.join('\n')}\n\n`);
  }

  /** Fetches and shows a page; on failure keeps the current page and says why in one line. */
  async navigate(request: PageRequest, mode: 'visit' | 'replace' = 'visit'): Promise<boolean> {
    let page: Page;
    try {
      page = await loadPage(request, this.options.fetch);
    } catch (err) {
      if (err instanceof FetchError) this.error(err.message);
      else this.error(`cannot show ${request.url}: ${(err as Error)?.message ?? String(err)}`);
      return false;
    }
    if (page.fetched.charsetNote) this.error(`note: ${page.fetched.charsetNote}`);
    const problem = statusProblem(page.fetched);
    if (problem) this.error(problem);
    const formState = initialFormState(page.doc);
    const entry: Entry = { page, formState, rendered: this.render(page, formState) };
    if (mode === 'visit') this.history.visit(entry);
    else this.history.replace(entry);
    this.show(entry);
    return true;
  }

  /** Runs until `q` or the end of input. */
  async run(startUrl: string | null): Promise<void> {
    if (startUrl !== null) await this.navigate({ url: startUrl });
    else this.io.err('No page yet: type g URL to open one (h for help).\n');
    for (;;) {
      const line = await this.io.ask(PROMPT);
      if (line === null) return;
      const command = line.trim();
      if (command === 'q' || command === 'quit') return;
      await this.execute(command);
    }
  }

  private current(): Entry | undefined {
    return this.history.current;
  }

  async execute(command: string): Promise<void> {
    if (command === '') return;
    if (/^\d+$/.test(command)) return this.choose(Number(command));
    if (command === 'b' || command === 'back') {
      const entry = this.history.back();
      if (entry) this.show(entry);
      else this.error('no page to go back to');
      return;
    }
    if (command === 'f' || command === 'forward') {
      const entry = this.history.forward();
      if (entry) this.show(entry);
      else this.error('no page to go forward to');
      return;
    }
    if (command === 'r' || command === 'reload') {
      const entry = this.current();
      if (entry) await this.navigate(entry.page.request, 'replace');
      else this.error('no page to reload');
      return;
    }
    if (command === 'p') {
      const entry = this.current();
      if (entry) this.show(entry);
      return;
    }
    if (command === 'l') return this.listLinks();
    if (command === 'h' || command === '?' || command === 'help') {
      this.io.out(`${HELP.join('\n')}\n`);
      return;
    }
    const go = /^g(?:o)?(?:\s+(.*))?$/.exec(command);
    if (go) {
      let target = go[1]?.trim();
      if (!target) target = (await this.io.ask('URL: '))?.trim();
      if (!target) return;
      await this.navigate({ url: resolveAddress(target, this.options.cwd) });
      return;
    }
    const fill = /^f\s*(\d+)$/.exec(command);
    if (fill) return this.operateField(Number(fill[1]), false);
    const submit = /^s\s*(\d+)$/.exec(command);
    if (submit) return this.submitVia(Number(submit[1]));
    this.error(`unknown command "${command}" (h for help)`);
  }

  private listLinks(): void {
    const entry = this.current();
    if (!entry || entry.rendered.links.length === 0) {
      this.io.out('No links on this page.\n');
      return;
    }
    this.io.out(`${entry.rendered.links.map((l) => `${l.number}: ${l.text} <${l.href}>`).join('\n')}\n`);
  }

  private async choose(number: number): Promise<void> {
    const entry = this.current();
    const target = entry?.rendered.targets[number - 1];
    if (!entry || !target) {
      const count = entry?.rendered.targets.length ?? 0;
      this.error(
        count > 0 ? `no link ${number} (choose 1-${count})` : `no link ${number}: this page has no links`,
      );
      return;
    }
    if (target.kind === 'link') {
      await this.navigate({ url: target.href });
      return;
    }
    const field = entry.page.doc.fields[target.field]!;
    if (field.kind === 'submit') return this.submitVia(number);
    return this.operateField(number, true);
  }

  private async operateField(number: number, fromChoice: boolean): Promise<void> {
    const entry = this.current();
    const target = entry?.rendered.targets[number - 1];
    if (!entry || !target || target.kind !== 'field') {
      this.error(`${number} is not a form field${fromChoice ? '' : ' (f N fills field N)'}`);
      return;
    }
    const { doc } = entry.page;
    const field = doc.fields[target.field]!;
    let state: FormState | string = entry.formState;
    switch (field.kind) {
      case 'checkbox':
      case 'radio':
        state = toggleField(doc, entry.formState, field.index);
        break;
      case 'submit':
        return this.submitVia(number);
      case 'select': {
        const options = field.options.map((o, i) => `${i + 1}) ${o.label}`).join('  ');
        this.io.out(`${options}\n`);
        const answer = await this.io.ask(`Choose ${field.name || 'an option'} (number or name): `);
        if (answer === null) return;
        state = setFieldValue(doc, entry.formState, field.index, answer);
        break;
      }
      default: {
        const answer = await this.io.ask(`Value for ${field.name || 'the field'}: `);
        if (answer === null) return;
        state = setFieldValue(doc, entry.formState, field.index, answer);
      }
    }
    if (typeof state === 'string') {
      this.error(state);
      return;
    }
    entry.formState = state;
    entry.rendered = this.render(entry.page, state);
    this.io.out(`Field ${number} is now ${fieldLabel(field, state, number)}\n`);
  }

  private async submitVia(number: number): Promise<void> {
    const entry = this.current();
    const target = entry?.rendered.targets[number - 1];
    if (!entry || !target || target.kind !== 'field') {
      this.error(`${number} is not a form field`);
      return;
    }
    const submission = buildSubmission(entry.page.doc, entry.formState, target.field);
    if (typeof submission === 'string') {
      this.error(submission);
      return;
    }
    await this.navigate(submission);
  }
}
