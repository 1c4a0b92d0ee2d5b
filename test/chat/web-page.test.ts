// The web client in a real Chromium (Debian's, driven by playwright-core): two pages and a TCP client in one
// room, private and group messages both ways, hostile text shown as text, unconfirmed messages marked, and
// both pages coming back registered after the server restarts.
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../src/chat/server.js';
import { ChatWebServer } from '../../src/chat/web/server.js';
import { HAVE_CHROMIUM, joinAs, launchChromium, messageIn, openPage, say } from './web-browser.js';
import { RawClient } from './raw-client.js';
import { buildWebClient } from './web-lines.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';
const SPACELESS_XSS = '<svg/onload=alert(3)>';

interface Running {
  chat: ChatServer;
  web: ChatWebServer;
  tcpPort: number;
  webPort: number;
  url: string;
  stop(): Promise<void>;
}

async function startChat(ports: { tcp?: number; web?: number } = {}, options: ChatServerOptions = {}) {
  const chat = new ChatServer(options);
  const { port: tcpPort } = await chat.start({ port: ports.tcp ?? 0 });
  const web = new ChatWebServer(chat, { assetsDir });
  const { port: webPort } = await web.start({ port: ports.web ?? 0 });
  const running: Running = {
    chat,
    web,
    tcpPort,
    webPort,
    url: `http://127.0.0.1:${webPort}/`,
    stop: async () => {
      await chat.stop();
      await web.stop();
    },
  };
  return running;
}

let browser: Browser | undefined;
let assetsDir: string | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  assetsDir = buildWebClient();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await browser?.close();
  if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
}, 60_000);

async function tcp(port: number, name: string): Promise<RawClient> {
  const client = await RawClient.join(port, name);
  cleanups.push(() => client.destroy());
  return client;
}

/** Reads TCP lines until one equals `line`. */
async function tcpSees(client: RawClient, line: string): Promise<void> {
  for (;;) if ((await client.next(20_000)) === line) return;
}

function button(page: Page, name: string) {
  return page.getByRole('button', { name: new RegExp(`^${name}\\b`) });
}

// Generous: on a busy two-core machine a browser waits its turn for a core at every step.
describe.skipIf(!HAVE_CHROMIUM)('the web client in Chromium', { timeout: 120_000 }, () => {
  it('puts two pages and a TCP client in one room: broadcast, private and group, both ways', async () => {
    const server = await startChat();
    cleanups.push(() => server.stop());
    const { page: ada } = await openPage(browser!, server.url);
    const { page: bob } = await openPage(browser!, server.url);
    await joinAs(ada, 'ada');
    // bob uses the keyboard only: the name box has the focus when the page opens, Enter joins.
    await bob.getByRole('textbox', { name: 'Name' }).and(bob.locator(':focus')).waitFor();
    await bob.keyboard.type('bob');
    await bob.keyboard.press('Enter');
    await bob.getByRole('status').filter({ hasText: 'Connected as bob' }).waitFor();
    const cyd = await tcp(server.tcpPort, 'cyd');
    await ada.getByRole('list', { name: 'Users' }).getByRole('button', { name: 'cyd' }).waitFor();
    await bob.getByRole('list', { name: 'Users' }).getByRole('button', { name: 'ada' }).waitFor();

    // Broadcast: page -> page and TCP; TCP -> both pages.
    await say(ada, 'hello, everyone');
    await messageIn(bob, 'hello, everyone').waitFor();
    expect(await messageIn(bob, 'hello, everyone').locator('.from').textContent()).toBe('ada');
    await tcpSees(cyd, 'MESSAGE ada hello, everyone');
    expect(await cyd.reply('MESSAGE hi from telnet')).toBe('OK SENT 2');
    await messageIn(ada, 'hi from telnet').waitFor();
    await messageIn(bob, 'hi from telnet').waitFor();

    // Private, page -> page: bob sees an unread count on ada, opens it with the keyboard, answers.
    await ada.getByRole('list', { name: 'Users' }).getByRole('button', { name: 'bob' }).click();
    await ada.getByRole('heading', { name: 'Private: bob' }).waitFor();
    await say(ada, 'psst, bob');
    const adaOnBob = bob.getByRole('list', { name: 'Users' }).getByRole('button', { name: /^ada/ });
    await adaOnBob.filter({ hasText: '1 new' }).waitFor();
    await expect(messageIn(bob, 'psst, bob').count()).resolves.toBe(0);
    await bob.getByRole('textbox', { name: 'Message' }).and(bob.locator(':focus')).waitFor();
    for (
      let i = 0;
      i < 12 &&
      !(await adaOnBob.evaluate((el) =>
        (el as unknown as { matches(s: string): boolean }).matches(':focus'),
      ));
      i++
    ) {
      await bob.keyboard.press('Shift+Tab');
    }
    await bob.keyboard.press('Enter');
    await bob.getByRole('heading', { name: 'Private: ada' }).waitFor();
    await messageIn(bob, 'psst, bob').waitFor();
    expect(await adaOnBob.textContent()).not.toContain('new');
    await bob.keyboard.type('psst, ada');
    await bob.keyboard.press('Enter');
    await messageIn(ada, 'psst, ada').waitFor();

    // Private, TCP -> page and page -> TCP.
    expect(await cyd.reply('PRIVATE ada from the terminal')).toBe('OK SENT 1');
    await ada
      .getByRole('list', { name: 'Users' })
      .getByRole('button', { name: /^cyd/ })
      .filter({ hasText: '1 new' })
      .waitFor();
    await ada.getByRole('list', { name: 'Users' }).getByRole('button', { name: /^cyd/ }).click();
    await messageIn(ada, 'from the terminal').waitFor();
    await say(ada, 'back to the terminal');
    await tcpSees(cyd, 'PRIVATE ada back to the terminal');

    // Groups: cyd makes one over TCP, both pages join it from the page, messages go both ways.
    expect(await cyd.reply('JOIN devs')).toBe('OK JOINED devs');
    for (const page of [ada, bob]) {
      await page.getByRole('textbox', { name: 'Group' }).fill('devs');
      await page.getByRole('button', { name: 'Join group' }).click();
      await page.getByRole('heading', { name: 'Group: devs' }).waitFor();
    }
    await button(ada, 'devs').waitFor();
    await say(ada, 'the build is green');
    await tcpSees(cyd, 'GROUP devs ada the build is green');
    await messageIn(bob, 'the build is green').waitFor();
    expect(await cyd.reply('GROUP devs ship it')).toBe('OK SENT 2');
    await messageIn(ada, 'ship it').waitFor();
    await messageIn(bob, 'ship it').waitFor();
    // A group message while ada looks elsewhere counts as unread on the group.
    await ada.getByRole('button', { name: 'Everyone' }).click();
    await say(bob, 'one more thing');
    await ada
      .getByRole('list', { name: 'Groups' })
      .getByRole('button')
      .filter({ hasText: '1 new' })
      .waitFor();

    await ada.getByRole('list', { name: 'Groups' }).getByRole('button', { name: /^devs/ }).click();
    await messageIn(ada, 'one more thing').waitFor();
    // Everyone in the group counts, whoever made it.
    await ada.getByRole('list', { name: 'Groups' }).getByRole('button', { name: 'devs (3)' }).waitFor();
    expect(await cyd.reply('PRIVATE ada lunch at noon?')).toBe('OK SENT 1');
    await ada
      .getByRole('list', { name: 'Users' })
      .getByRole('button', { name: /^cyd/ })
      .filter({ hasText: '1 new' })
      .waitFor();
    mkdirSync(`${ROOT}docs/images`, { recursive: true });
    await ada.screenshot({ path: `${ROOT}docs/images/web-client.png` });
  });

  it('shows a hostile name and message as text and runs nothing', async () => {
    // One name per USERS page: the page must read the listing a page at a time to see everyone.
    const server = await startChat({}, { listLimit: 1 });
    cleanups.push(() => server.stop());
    const { page: eve, dialogs: eveDialogs } = await openPage(browser!, server.url);
    const { page: ann, dialogs: annDialogs } = await openPage(browser!, server.url);
    // Such names are refused (by the page, or by the server when it has no space); the refusal quotes the
    // name, and shows it literally.
    for (const name of [XSS, SPACELESS_XSS]) {
      await eve.getByRole('textbox', { name: 'Name' }).fill(name);
      await eve.getByRole('button', { name: 'Join', exact: true }).click();
      await eve
        .getByRole('alert')
        .filter({ hasText: `"${name}" is not a valid name` })
        .waitFor();
    }
    await joinAs(eve, 'eve');
    await joinAs(ann, 'ann');
    // ann's first page is "ann +1": eve is on the second.
    await ann.getByRole('list', { name: 'Users' }).getByRole('button', { name: 'eve' }).waitFor();
    expect(await ann.getByRole('list', { name: 'Users' }).getByRole('button').count()).toBe(1);
    const tom = await tcp(server.tcpPort, 'tom');
    await say(eve, XSS);
    await messageIn(ann, XSS).waitFor();
    expect(await tom.reply(`MESSAGE ${XSS} <script>alert(2)</script>`)).toBe('OK SENT 2');
    await messageIn(eve, `${XSS} <script>alert(2)</script>`).waitFor();
    await messageIn(ann, `${XSS} <script>alert(2)</script>`).waitFor();
    for (const page of [eve, ann]) {
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.getByRole('log').locator('script').count()).toBe(0);
    }
    expect(eveDialogs).toEqual([]);
    expect(annDialogs).toEqual([]);
  });

  it('marks a message the server never confirmed, and never shows it as sent', async () => {
    // Four commands at once (REGISTER, USERS, GROUPS, the first message), then one per 100 s: the second message
    // waits in flood control when the server stops, so it is never run.
    const server = await startChat({}, { flood: { burst: 4, ratePerSecond: 0.01, maxQueued: 100 } });
    cleanups.push(() => server.stop());
    const { page } = await openPage(browser!, server.url);
    await joinAs(page, 'una');
    const watcher = await tcp(server.tcpPort, 'watcher');
    await say(page, 'confirmed');
    await page.getByRole('textbox', { name: 'Message' }).fill('never confirmed');
    await page.getByRole('button', { name: 'Send' }).click();
    await messageIn(page, 'never confirmed').and(page.locator('[data-state="sending"]')).waitFor();
    await server.stop();
    const lost = messageIn(page, 'never confirmed');
    await lost.and(page.locator('[data-state="failed"]')).waitFor();
    expect(await lost.textContent()).toContain('not confirmed');
    expect(await messageIn(page, 'confirmed').getAttribute('data-state')).toBe('sent');
    expect(watcher.lines.some((l) => l.includes('never confirmed'))).toBe(false);
  });

  it('comes back registered, in its groups, after the server restarts', async () => {
    let server = await startChat();
    const { page: ada } = await openPage(browser!, server.url);
    const { page: bob } = await openPage(browser!, server.url);
    await joinAs(ada, 'ada');
    await joinAs(bob, 'bob');
    await ada.getByRole('textbox', { name: 'Group' }).fill('ops');
    await ada.getByRole('button', { name: 'Join group' }).click();
    await ada.getByRole('heading', { name: 'Group: ops' }).waitFor();

    await server.stop();
    for (const page of [ada, bob]) {
      await page.getByRole('status').filter({ hasText: 'Connection lost' }).waitFor();
    }
    server = await startChat({ tcp: server.tcpPort, web: server.webPort });
    cleanups.push(() => server.stop());
    for (const [page, name] of [
      [ada, 'ada'],
      [bob, 'bob'],
    ] as const) {
      await page
        .getByRole('status')
        .filter({ hasText: `Connected as ${name}` })
        .waitFor();
    }
    const cyd = await tcp(server.tcpPort, 'cyd');
    expect(await cyd.reply('USERS')).toBe('OK USERS 3 ada bob cyd');
    // ada joined ops again by herself, and the conversation goes on.
    expect(await cyd.reply('GROUPS')).toBe('OK GROUPS 1 ops:1');
    expect(await cyd.reply('JOIN ops')).toBe('OK JOINED ops');
    expect(await cyd.reply('GROUP ops are you back?')).toBe('OK SENT 1');
    await messageIn(ada, 'are you back?').waitFor();
    await bob.getByRole('button', { name: 'Everyone' }).click();
    await say(bob, 'back again');
    await tcpSees(cyd, 'MESSAGE bob back again');
  });
});
