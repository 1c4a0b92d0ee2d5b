// Debian's Chromium driven by playwright-core for the web client's tests: one browser per test file, a fresh
// context (profile) per page. Never downloads a browser: without /usr/bin/chromium the tests are skipped loudly.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PLAINWIRE_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

if (!HAVE_CHROMIUM) {
  process.stderr.write(
    `\nWARNING: ${CHROMIUM} is missing, so the web client's browser tests are SKIPPED ` +
      '(apt-get install chromium; .ci/run installs it)\n\n',
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page in a context of its own, with every dialog (alert, confirm...) recorded and dismissed. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; dialogs: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, dialogs };
}

/** Joins with the form, as a person would, and waits until the server confirmed the name. */
export async function joinAs(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Connected as ${name}` })
    .waitFor();
}

/** Sends a message in the conversation shown, and waits until the server confirmed it. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await messageIn(page, text).and(page.locator('[data-state="sent"]')).waitFor();
}

/** The log's element for a message with exactly this text. */
export function messageIn(page: Page, text: string) {
  return page
    .getByRole('log')
    .locator('.message')
    .filter({ has: page.locator('.text', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
