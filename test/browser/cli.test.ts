// The built `plainwire browse` end to end: line mode over a real `plainwire serve`, forms against a real
// echoing server, --json, --raw, errors, and terminal safety of hostile pages.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, type CliServer, runCli, startCliServer } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from './http-server.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));
const PROMPT = 'Select a link (number), b(ack), f(orward), g URL, r(eload), q(uit): ';

const titles = (stdout: string) => stdout.split('\n').flatMap((l) => /TITLE: (.*)/.exec(l)?.[1] ?? []);

describe('line mode against plainwire serve', () => {
  let serve: CliServer;
  beforeAll(async () => {
    serve = await startCliServer(['serve', SITE, '--port', '0']);
  });
  afterAll(() => serve.stop());

  it('follows links from page 3 to 4 to 5, goes back twice and forward again', async () => {
    const result = await runCli(['browse', `${serve.url}/page3.html`], { input: '1\n2\nb\nb\nf\nq\n' });
    expect(result.code).toBe(0);
    expect(titles(result.stdout)).toEqual([
      'Page 3: Links',
      'Page 4: Servers',
      'Page 5: Browsers',
      'Page 4: Servers',
      'Page 3: Links',
      'Page 4: Servers',
    ]);
    expect(result.stdout).toContain(`${PROMPT}1\n`);
    expect(result.stdout).toContain(`1: ${serve.url}/page4.html`);
  });

  it('quits at the end of input, and explains bad choices without leaving the page', async () => {
    const result = await runCli(['browse', `${serve.url}/page5.html`], { input: '9\nzz\nb\n' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('plainwire browse: no link 9 (choose 1-1)');
    expect(result.stderr).toContain('unknown command "zz"');
    expect(result.stderr).toContain('no page to go back to');
    expect(titles(result.stdout)).toEqual(['Page 5: Browsers']);
  });

  it('follows a redirect, opens g URL, shows an error page and keeps going', async () => {
    const result = await runCli(['browse', `${serve.url}/redirect`], {
      input: `g ${serve.url}/missing.html\nb\n1\nq\n`,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`plainwire browse: HTTP 404 Not Found: ${serve.url}/missing.html`);
    expect(titles(result.stdout)).toEqual([
      'You were redirected',
      '404 Not Found',
      'You were redirected',
      'The plainwire sample site',
    ]);
  });

  it('submits the sample GET form from the terminal', async () => {
    const result = await runCli(['browse', `${serve.url}/forms.html`], {
      input: '1\nAda Lovelace\n4\n5\nq\n',
    });
    expect(result.stdout).toContain('Field 1 is now [1 text: name=Ada Lovelace]');
    expect(result.stdout).toContain('Field 4 is now [4 [x] extra=olives]');
    expect(titles(result.stdout)).toEqual(['A form', 'Thank you']);
  });

  it('matches the line-mode transcript in docs/BROWSER.md', async () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/BROWSER.md', import.meta.url)), 'utf8');
    const block = /```text\n\$ printf '(.*?)' \| plainwire browse (\S+)\n([\s\S]*?)\n\.\.\.\n```/.exec(docs);
    expect(block).not.toBeNull();
    const [, input, address, transcript] = block!;
    const host = serve.url.replace(/^http:\/\//, '');
    const result = await runCli(['browse', address!.replace('127.0.0.1:8000', host)], {
      input: input!.replace(/\\n/g, '\n'),
    });
    const expected = transcript!.split('127.0.0.1:8000').join(host);
    expect(result.stdout.startsWith(`${expected}\n`)).toBe(true);
  });

  it('--raw shows the exchange with the status line and headers as sent', async () => {
    const result = await runCli(['browse', '--raw', `${serve.url}/page1.html`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(result.stdout).toMatch(/\nContent-Type: text\/html/i);
    expect(result.stdout).toContain('\n\n<html>');
    expect(result.stderr).toContain('> GET /page1.html HTTP/1.1');
  });
});

describe('forms against an echoing server', () => {
  let echo: TestServer;
  beforeAll(async () => {
    echo = await startHttpServer((req, res, body) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      if (req.url === '/') {
        res.end(
          '<title>Form</title><form action="/submit?old=1" method="post"><input name="name">' +
            '<input type=checkbox name=agree value=yes><select name=size><option value=s>Small<option value=l>Large</select>' +
            '<input type=hidden name=token value=t0k><input type=submit name=go value=Send>' +
            '<button type=submit formmethod=get>Search</button></form>',
        );
      } else res.end(`<title>Echo</title><pre>${req.method} ${req.url} ${body}</pre>`);
    });
  });
  afterAll(() => echo.close());

  it('POSTs urlencoded fields after filling, toggling and choosing', async () => {
    const result = await runCli(['browse', `${echo.url}/`], {
      input: 'f 1\nAlice & Bob\n2\n3\nLarge\n4\nq\n',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Echo');
    expect(result.stdout).toContain(
      'POST /submit?old=1 name=Alice+%26+Bob&agree=yes&size=l&token=t0k&go=Send',
    );
  });

  it('GETs with the fields as the query, replacing the action query', async () => {
    const result = await runCli(['browse', `${echo.url}/`], { input: 'f 1\nx y\n5\nq\n' });
    expect(result.stdout).toContain('GET /submit?name=x+y&size=s&token=t0k ');
  });
});

describe("the state store's own HTML page, from the terminal", () => {
  it("sets a key with the page's GET form and shows it in the table", async () => {
    const store = await startCliServer(['store', '--memory', '--port', '0']);
    try {
      const result = await runCli(['browse', `${store.url}/`], {
        input: '1\ngreeting\n2\nhello world\n3\nq\n',
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('**set greeting (version 1)**');
      expect(result.stdout).toMatch(/greeting \| hello world \| 1/);
    } finally {
      await store.stop();
    }
  });
});

describe('dump, json and errors', () => {
  it('--json gives title, headings, blocks and absolute links', async () => {
    const result = await runCli(['browse', '--json', join(SITE, 'page3.html')]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.title).toBe('Page 3: Links');
    expect(json.headings).toEqual([{ level: 1, text: 'Page 3' }]);
    expect(json.blocks[0]).toEqual({ type: 'heading', text: 'Page 3', level: 1 });
    expect(json.links.map((l: { number: number; text: string; url: string }) => [l.number, l.text])).toEqual([
      [1, 'page 4'],
      [2, 'page 5'],
      [3, 'the index'],
    ]);
    expect(json.links[0].url).toMatch(/^file:\/\/\/.*\/examples\/site\/page4\.html$/);
  });

  it('fails with one line and exit 1 for a missing file, a refused connection and a timeout', async () => {
    const missing = await runCli(['browse', '--dump', '/no/such/page.html']);
    expect([missing.code, missing.stdout]).toEqual([1, '']);
    expect(missing.stderr).toBe('plainwire browse: no such file: file:///no/such/page.html\n');

    const silent = await startHttpServer(() => {});
    try {
      const timeout = await runCli(['browse', '--dump', '--timeout', '0.3', silent.url]);
      expect(timeout.code).toBe(1);
      expect(timeout.stderr).toMatch(/^plainwire browse: no complete answer within 0.3 s .*\n$/);
    } finally {
      await silent.close();
    }
    const refused = await runCli(['browse', '--dump', silent.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^plainwire browse: connection refused by 127\.0\.0\.1:\d+/);
  });

  it('refuses a page over --max-bytes', async () => {
    const result = await runCli(['browse', '--dump', '--max-bytes', '1000', join(SITE, 'long.html')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/page too large: over 1000 bytes \(use --max-bytes/);
  });

  it('renders the error page and exits 1 on an HTTP error', async () => {
    const server = await startHttpServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<title>Down</title><p>try later</p>');
    });
    try {
      const result = await runCli(['browse', '--dump', server.url]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('try later');
      expect(result.stderr).toBe(`plainwire browse: HTTP 503 Service Unavailable: ${server.url}/\n`);
    } finally {
      await server.close();
    }
  });

  it('says so when --tui is not built, and needs a URL for --dump', async () => {
    const tui = await runCli(['browse', '--tui', join(SITE, 'page1.html')]);
    if (tui.stderr.includes('not available')) {
      expect(tui.code).toBe(1);
      expect(tui.stderr).toBe('plainwire browse: --tui is not available in this build\n');
    }
    const noUrl = await runCli(['browse', '--dump']);
    expect(noUrl.code).toBe(2);
  });
});

describe('terminal safety of a hostile page', () => {
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('emits no escape or control characters with NO_COLOR', async () => {
    const result = await runCli(['browse', '--dump', join(SITE, 'hostile.html')]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(CONTROL);
    expect(result.stdout).toContain('Clear the screen: and carry on.');
  });

  it('emits only plainwire SGR styling with FORCE_COLOR=1', async () => {
    const page = join(SITE, 'hostile.html');
    const result = await runCli(['browse', '--dump', page], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(result.stdout).toMatch(/\u001b\[1m/);
    const withoutOurSgr = result.stdout.replace(/\u001b\[(?:0|1|3|1;3)m/g, '');
    expect(withoutOurSgr).not.toMatch(CONTROL);
    const json = await runCli(['browse', '--json', page], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(json.stdout).not.toMatch(CONTROL);
    expect(json.stdout).not.toMatch(/\\u001b|\\u009b|\\u0007/);
  });
});

describe('a reader that goes away', () => {
  it('exits quietly when stdout is closed early (browse URL | head)', async () => {
    const server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<title>Loop</title><p><a href="/">again</a></p>${'<p>filler text for the pipe</p>'.repeat(200)}`,
      );
    });
    try {
      const script = `printf '1\\n1\\n1\\n1\\n1\\n1\\nq\\n' | "${process.execPath}" "${CLI_PATH}" browse ${server.url}/ | head -n 2 > /dev/null; echo "status=\${PIPESTATUS[1]}"`;
      // Not spawnSync: the page server lives in this process and must keep answering.
      const child = spawn('bash', ['-c', script], { env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await new Promise((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(stdout.trim()).toBe('status=0');
      expect(stderr).toBe('');
    } finally {
      await server.close();
    }
  });
});
