// bench:web: message latency through the web client, browser -> server -> browser, against TCP -> TCP through
// the same ChatServer in the same run; plus the page's size and its first paint on loopback; plus the store page:
// a set to the live page's row, against a watch client (store-page.ts).
// Needs the build (npm run build: dist/web) and Debian's chromium. Usage: npm run bench:web [-- MESSAGES [SETS]]
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { ChatServer } from '../src/chat/server.js';
import { defaultAssetsDir } from '../src/chat/web/assets.js';
import { ChatWebServer } from '../src/chat/web/server.js';
import { storePageLatencies } from './store-page.js';

const MESSAGES = Number(process.argv[2] ?? 1000);
const CHROMIUM = process.env.PLAINWIRE_CHROMIUM ?? '/usr/bin/chromium';
const STORE_SETS = Number(process.argv[3] ?? 100);
const FIRST_PAINT_LOADS = 20;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(latencies: number[]): { p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

/** A raw TCP chat client: lines in order, one waiter for the next line that passes a test. */
class TcpLines {
  private buffer = '';
  private waiter: { test: (line: string) => boolean; resolve: (at: number) => void } | undefined;
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const at = performance.now();
      this.buffer += chunk;
      let nl = this.buffer.indexOf('\n');
      while (nl !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (this.waiter?.test(line)) {
          const { resolve } = this.waiter;
          this.waiter = undefined;
          resolve(at);
        }
        nl = this.buffer.indexOf('\n');
      }
    });
  }

  static async join(port: number, name: string): Promise<TcpLines> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const client = new TcpLines(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await client.request(`REGISTER ${name}`, (l) => l.startsWith('OK REGISTERED'));
    return client;
  }

  /** Resolves with the time (performance.now) a line passing `test` arrived. */
  next(test: (line: string) => boolean): Promise<number> {
    return new Promise<number>((resolve) => {
      this.waiter = { test, resolve };
    });
  }

  request(line: string, test: (line: string) => boolean): Promise<number> {
    const arrived = this.next(test);
    this.socket.write(`${line}\n`);
    return arrived;
  }
}

async function tcpLatencies(port: number): Promise<number[]> {
  const sender = await TcpLines.join(port, 'tcp-sender');
  const receiver = await TcpLines.join(port, 'tcp-receiver');
  const latencies: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const text = `tcp ${i}`;
    const expected = `MESSAGE tcp-sender ${text}`;
    const arrived = receiver.next((l) => l === expected);
    const started = performance.now();
    sender.socket.write(`MESSAGE ${text}\n`);
    latencies.push((await arrived) - started);
  }
  sender.socket.destroy();
  receiver.socket.destroy();
  return latencies;
}

async function joinAs(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Connected as ${name}` })
    .waitFor();
}

/**
 * Each message is put into the sender page's form and submitted there (the page's own code sends it); the
 * receiver page notes when its element appears in the log and tells the sender over a BroadcastChannel (both
 * pages are in one browser context), which sends the next. Both times are read in the browser, on one clock, and
 * the whole loop runs there, so the driver's round trips add nothing.
 */
async function browserLatencies(sender: Page, receiver: Page, count: number): Promise<number[]> {
  await receiver.evaluate(() => {
    interface Added {
      querySelector?(selector: string): { textContent: string | null } | null;
    }
    const w = globalThis as unknown as {
      document: { querySelector(selector: string): unknown };
      MutationObserver: new (
        callback: (records: Array<{ addedNodes: Iterable<Added> }>) => void,
      ) => { observe(target: unknown, options: { childList: boolean }): void };
    };
    const channel = new BroadcastChannel('bench-web');
    new w.MutationObserver((records) => {
      const at = performance.timeOrigin + performance.now();
      for (const record of records) {
        for (const node of record.addedNodes) {
          const text = node.querySelector?.('.text')?.textContent;
          if (typeof text === 'string' && text.startsWith('web ')) channel.postMessage({ text, at });
        }
      }
    }).observe(w.document.querySelector('[role="log"]'), { childList: true });
  });
  return sender.evaluate(async (n) => {
    const d = (
      globalThis as unknown as {
        document: { getElementById(id: string): { value: string; requestSubmit(): void } };
      }
    ).document;
    const channel = new BroadcastChannel('bench-web');
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      const text = `web ${i}`;
      const arrived = new Promise<number>((resolve) => {
        channel.onmessage = (e: { data: { text: string; at: number } }) => {
          if (e.data.text === text) resolve(e.data.at);
        };
      });
      d.getElementById('message').value = text;
      const started = performance.timeOrigin + performance.now();
      d.getElementById('send').requestSubmit();
      latencies.push((await arrived) - started);
    }
    return latencies;
  }, count);
}

async function firstPaints(page: Page, url: string): Promise<number[]> {
  const paints: number[] = [];
  for (let i = 0; i < FIRST_PAINT_LOADS; i++) {
    await page.goto(url);
    const handle = await page.waitForFunction(() => {
      const entry = performance.getEntriesByName('first-contentful-paint')[0];
      return entry ? entry.startTime : undefined;
    });
    paints.push((await handle.jsonValue()) as number);
  }
  return paints;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench:web needs ${CHROMIUM} (apt-get install chromium)\n`);
    process.exit(1);
  }
  const assets = defaultAssetsDir();
  let raw = 0;
  let gzipped = 0;
  for (const file of ['index.html', 'app.js', 'app.css']) {
    const body = readFileSync(join(assets, file));
    raw += body.length;
    gzipped += gzipSync(body, { level: 9 }).length;
  }
  const flood = { burst: 1_000_000, ratePerSecond: 1_000_000, maxQueued: 1_000_000 };
  const chat = new ChatServer({ flood });
  const { port: tcpPort } = await chat.start({ port: 0 });
  const web = new ChatWebServer(chat);
  const { port: webPort } = await web.start({ port: 0 });
  const url = `http://127.0.0.1:${webPort}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  try {
    const pages: Page[] = [];
    const context = await browser.newContext();
    for (const name of ['web-sender', 'web-receiver']) {
      const page = await context.newPage();
      await page.goto(url);
      await joinAs(page, name);
      pages.push(page);
    }
    const all = MESSAGES;
    const tcp = summary(await tcpLatencies(tcpPort));
    const webSide = summary(await browserLatencies(pages[0]!, pages[1]!, MESSAGES));
    const paint = summary(await firstPaints(await (await browser.newContext()).newPage(), url));
    // The same browser's first paint of a one-line page from the same origin: what any page costs it here.
    const blank = await (await browser.newContext()).newPage();
    await blank.route(`${url}baseline`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!doctype html><title>b</title><p>baseline</p>',
      }),
    );
    const baselinePaint = summary(await firstPaints(blank, `${url}baseline`));
    const storeFigures = await storePageLatencies(browser, STORE_SETS, assets);
    const storePage = summary(storeFigures.page);
    const storeWatch = summary(storeFigures.watch);
    // Every hop of the browser path is another process (two renderers, the browser's network service, the
    // server): on a loaded machine each waits for a core, which the in-process TCP baseline never does.
    process.stdout.write(
      `load average: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    process.stdout.write(
      `page: ${raw} bytes, ${gzipped} gzipped; first contentful paint on loopback p50 ${ms(paint.p50)}, ` +
        `worst of ${FIRST_PAINT_LOADS} ${ms(paint.p99)}; a one-line page in the same browser p50 ` +
        `${ms(baselinePaint.p50)}, ratio ${(paint.p50 / baselinePaint.p50).toFixed(2)}\n`,
    );
    process.stdout.write(`TCP -> TCP (${all} messages): p50 ${ms(tcp.p50)}, p99 ${ms(tcp.p99)}\n`);
    process.stdout.write(
      `browser -> browser (${all} messages): p50 ${ms(webSide.p50)}, p99 ${ms(webSide.p99)}\n`,
    );
    process.stdout.write(
      `web chat latency: p50 ${ms(webSide.p50)}, p99 ${ms(webSide.p99)}; baseline TCP p50 ${ms(tcp.p50)}, ` +
        `p99 ${ms(tcp.p99)}; ratio p50 ${(webSide.p50 / tcp.p50).toFixed(2)}, p99 ${(webSide.p99 / tcp.p99).toFixed(2)}\n`,
    );
    process.stdout.write(
      `store page (${STORE_SETS} sets, set -> row on the live page): p50 ${ms(storePage.p50)}, p99 ${ms(storePage.p99)} ` +
        `(target: within 200 ms); baseline watch client p50 ${ms(storeWatch.p50)}, p99 ${ms(storeWatch.p99)}; ` +
        `ratio p50 ${(storePage.p50 / storeWatch.p50).toFixed(2)}, p99 ${(storePage.p99 / storeWatch.p99).toFixed(2)}\n`,
    );
  } finally {
    await browser.close();
    await chat.stop();
    await web.stop();
  }
}

await main();
