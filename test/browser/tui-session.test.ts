// The full-screen browser without a terminal: the controller (state machine + session) browsing a real
// `plainwire serve` of examples/site, driven by the same keys a user types.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TuiController } from '../../src/browser/tui/controller.js';
import { composeFrame, plainText } from '../../src/browser/tui/screen.js';
import type { TuiKey } from '../../src/browser/tui/state.js';
import { type CliServer, startCliServer } from '../helpers/cli.js';
import { startHttpServer } from './http-server.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

let server: CliServer;

beforeAll(async () => {
  server = await startCliServer(['serve', SITE, '--port', '0']);
});

afterAll(async () => {
  await server?.stop();
});

function browser(colour = false): { tui: TuiController; quits: () => number } {
  let quits = 0;
  const tui = new TuiController({ fetch: { timeoutMs: 5000, maxBytes: 1_000_000 }, colour }, 100, 30, () => {
    quits++;
  });
  return { tui, quits: () => quits };
}

async function keys(tui: TuiController, ...input: Array<TuiKey['name'] | string>): Promise<void> {
  for (const k of input) {
    if (k.length === 1) tui.key({ name: 'char', char: k });
    else tui.key({ name: k as TuiKey['name'] });
    await tui.settled();
  }
}

function screen(tui: TuiController, colour = false): string {
  const frame = composeFrame(tui.state, colour);
  return [...frame.page, frame.status, frame.prompt].join('\n');
}

describe('tui session over plainwire serve', () => {
  it('opens page 3, follows a link to page 4 with Tab + Enter, and comes back to the same place', async () => {
    const { tui } = browser();
    tui.open(`${server.url}/page3.html`);
    expect(tui.state.loading).toBe(`${server.url}/page3.html`);
    await tui.settled();
    expect(tui.state.view?.title).toBe('Page 3: Links');
    expect(plainText(screen(tui))).toContain(`Page 3: Links \u2014 ${server.url}/page3.html`);
    await keys(tui, 'tab');
    expect(composeFrame(tui.state, false).prompt).toBe(`[1] ${server.url}/page4.html`);
    await keys(tui, 'enter');
    expect(tui.state.view?.url).toBe(`${server.url}/page4.html`);
    expect(screen(tui)).toContain('TITLE: Page 4');
    await keys(tui, 'tab', 'tab', 'backspace');
    expect(tui.state.view?.url).toBe(`${server.url}/page3.html`);
    expect(tui.state.selected).toBe(0);
    await keys(tui, 'f');
    expect(tui.state.view?.url).toBe(`${server.url}/page4.html`);
    await keys(tui, 'b', '2', 'enter');
    expect(tui.state.view?.url).toBe(`${server.url}/page5.html`);
    await keys(tui, 'b', 'b');
    expect(tui.state.message).toEqual({ text: 'no page to go back to', error: true });
  });

  it('opens an address typed after g (host:port form), and shows a 404 with its error page', async () => {
    const { tui } = browser();
    await keys(tui, 'g', ...`${server.host}:${server.port}/missing.html`, 'enter');
    expect(tui.state.view?.url).toBe(`${server.url}/missing.html`);
    expect(tui.state.view?.title).toMatch(/404/);
    expect(tui.state.message?.error).toBe(true);
    expect(tui.state.message?.text).toMatch(/^HTTP 404/);
    expect(screen(tui)).toMatch(/404/);
  });

  it('keeps the page and shows one line when a fetch fails (refused, too large, not a page)', async () => {
    const { tui } = browser();
    tui.open(`${server.url}/page1.html`);
    await tui.settled();
    await keys(tui, 'g', ...'http://127.0.0.1:9/', 'enter');
    expect(tui.state.view?.title).toMatch(/Page 1/);
    expect(tui.state.message?.error).toBe(true);
    expect(tui.state.message?.text.length).toBeGreaterThan(0);
    await keys(tui, 'g', ...`${server.url}/images/wire.png`, 'enter');
    expect(tui.state.message?.text).toMatch(/not a page/);
    const small = new TuiController(
      { fetch: { timeoutMs: 5000, maxBytes: 1000 }, colour: false },
      80,
      24,
      () => {},
    );
    small.open(`${server.url}/long.html`);
    await small.settled();
    expect(small.state.view).toBeNull();
    expect(small.state.message?.text).toMatch(/too large/);
  });

  it('searches the page and scrolls to the match', async () => {
    const { tui } = browser();
    tui.open(`${server.url}/long.html`);
    await tui.settled();
    await keys(tui, '/', ...'caching', 'enter');
    const hit = tui.state.hit;
    expect(hit).not.toBeNull();
    expect(tui.state.view?.plain[hit!.lineIndex]?.toLowerCase()).toContain('caching');
    expect(tui.state.top).toBeGreaterThan(0);
    expect(composeFrame(tui.state, false).page.join('\n')).toContain('\u001b[7m');
  });

  it('fills a text field, toggles a checkbox and submits the form with GET', async () => {
    const { tui } = browser();
    tui.open(`${server.url}/forms.html`);
    await tui.settled();
    await keys(tui, 'tab', 'enter');
    expect(tui.state.prompt?.kind).toBe('field');
    await keys(tui, ...'Ada', 'enter');
    expect(screen(tui)).toContain('[1 text: name=Ada]');
    await keys(tui, '4', 'enter');
    expect(tui.state.selected).toBe(3);
    await keys(tui, 'enter');
    expect(screen(tui)).toContain('[4 [x] extra=olives]');
    expect(tui.state.selected).toBe(3);
    await keys(tui, 'tab', 'enter');
    const url = new URL(tui.state.view!.url);
    expect(url.pathname).toBe('/form-result.html');
    expect(url.searchParams.get('name')).toBe('Ada');
    expect(url.searchParams.getAll('extra')).toEqual(['cheese', 'olives']);
  });

  it('submits a POST form with the typed value and shows the answer', async () => {
    const echo = await startHttpServer((req, res, body) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      if (req.method === 'POST') res.end(`<title>Posted</title><p>got ${body.replace(/[<&]/g, '')}</p>`);
      else
        res.end(
          '<title>Post form</title><form method="post" action="/save"><input name="key"><input type="submit" value="Save"></form>',
        );
    });
    try {
      const { tui } = browser();
      tui.open(`${echo.url}/`);
      await tui.settled();
      await keys(tui, 'tab', 'enter', ...'a b&c', 'enter', 'tab', 'enter');
      expect(tui.state.view?.title).toBe('Posted');
      expect(tui.state.view?.url).toBe(`${echo.url}/save`);
      expect(screen(tui)).toContain('got key=a+b%26c');
    } finally {
      await echo.close();
    }
  });

  it('re-renders at a new width on resize, keeping the selection', async () => {
    const { tui } = browser();
    tui.open(`${server.url}/long.html`);
    await tui.settled();
    const wide = tui.state.view!.lines.length;
    await keys(tui, 'tab', 'tab', 'tab');
    const selected = tui.state.selected;
    tui.resize(40, 20);
    expect(tui.state.view!.lines.length).toBeGreaterThan(wide);
    expect(Math.max(...tui.state.view!.plain.map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(tui.state.selected).toBe(selected);
    const target = tui.state.view!.targets[selected!]!;
    expect(target.lineIndex).toBeGreaterThanOrEqual(tui.state.top);
    expect(target.lineIndex).toBeLessThan(tui.state.top + 17);
  });

  it('shows nothing from a hostile page that a terminal would obey', async () => {
    const { tui } = browser(true);
    tui.open(`${server.url}/hostile.html`);
    await tui.settled();
    for (let i = 0; i < 5; i++) {
      const text = screen(tui, true);
      // Only SGR (styling) may reach the terminal: no other escape, control character or bidi override.
      const withoutSgr = text.replace(/\u001b\[[0-9;]*m/g, '');
      expect(withoutSgr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      await keys(tui, 'tab', 'pageDown');
    }
    expect(tui.state.view!.title).toContain('Hostile page');
  });

  it('Escape drops a slow answer: the page shown stays when it finally arrives', async () => {
    const slow = await startHttpServer((_req, res) => {
      setTimeout(() => res.end('<title>Slow</title><p>late</p>'), 300);
    });
    try {
      const { tui } = browser();
      tui.open(`${server.url}/page1.html`);
      await tui.settled();
      await keys(tui, 'g', ...slow.url);
      tui.key({ name: 'enter' });
      expect(tui.state.loading).toBe(slow.url);
      tui.key({ name: 'escape' });
      expect(tui.state.loading).toBeNull();
      await tui.settled();
      expect(tui.state.view?.title).toMatch(/Page 1/);
      expect(tui.state.message?.text).toMatch(/^stopped loading/);
    } finally {
      await slow.close();
    }
  });

  it('q asks to quit once', async () => {
    const { tui, quits } = browser();
    await keys(tui, 'q');
    expect(quits()).toBe(1);
  });
});
