// Replays the curl transcripts in docs/STORE-API.md against the real `plainwire store`, so the docs cannot drift:
// each ```console block's `$ ` lines run in order with real curl (port substituted), and their output must match.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { type CliServer, startCliServer } from '../helpers/cli.js';

const DOC = fileURLToPath(new URL('../../docs/STORE-API.md', import.meta.url));
const DOC_ADDRESS = '127.0.0.1:8001';

interface Step {
  /** Arguments for `plainwire store` when this step needs a fresh server. */
  server?: string[];
  command: string;
  expected: string;
  line: number;
}

function parseTranscripts(markdown: string): Step[] {
  const steps: Step[] = [];
  const lines = markdown.split('\n');
  let server: string[] | undefined = ['--memory'];
  let inBlock = false;
  let current: Step | undefined;
  for (const [i, line] of lines.entries()) {
    const marker = /^<!-- transcript-server: (.*) -->$/.exec(line);
    if (marker) {
      server = marker[1]!.trim().split(/\s+/);
      continue;
    }
    if (!inBlock && line === '```console') {
      inBlock = true;
      continue;
    }
    if (inBlock && line === '```') {
      inBlock = false;
      current = undefined;
      continue;
    }
    if (!inBlock) continue;
    if (line.startsWith('$ ')) {
      current = { server, command: line.slice(2), expected: '', line: i + 1 };
      server = undefined;
      steps.push(current);
    } else if (current) {
      // A line without `$ ` continues a quoted command when the command's quotes are still open.
      if (current.expected === '' && (current.command.split("'").length - 1) % 2 === 1)
        current.command += `\n${line}`;
      else current.expected += `${line}\n`;
    }
  }
  return steps;
}

function normalise(output: string): string {
  return output
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => !l.startsWith('Date: '))
    .join('\n')
    .trimEnd();
}

function run(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: 15_000 }, (err, stdout) => {
      if (err?.killed) reject(new Error(`timed out: ${command}`));
      else resolve(stdout);
    });
  });
}

let server: CliServer | undefined;
afterAll(async () => {
  await server?.stop();
});

it('docs/STORE-API.md transcripts match the real store', async () => {
  const steps = parseTranscripts(readFileSync(DOC, 'utf8'));
  expect(steps.length).toBeGreaterThan(30);
  for (const step of steps) {
    if (step.server) {
      await server?.stop();
      server = await startCliServer(['store', ...step.server, '--port', '0']);
    }
    const command = step.command.replaceAll(DOC_ADDRESS, `${server!.host}:${server!.port}`);
    const actual = normalise(await run(command));
    expect(actual, `docs/STORE-API.md:${step.line}: ${step.command}`).toBe(normalise(step.expected));
  }
});
