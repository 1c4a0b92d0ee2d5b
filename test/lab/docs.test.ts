// The lab transcript (docs/LAB.md, which the README shows) against the real `plainwire lab`: the table, the
// data line and the lab's own lines must be what it prints, with the transcript's ports and directory; the
// services' log lines must name the services and say what they say.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from '../../src/lab/ports.js';
import { READY, removeDirs, type RunningLab, startLab, tempDataDir } from './helpers.js';

const PACKAGE = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
) as {
  scripts: { start: string };
};

/** The transcript lives in docs/LAB.md until the README takes it over; the test follows it to either. */
function transcripts(): Array<{ file: string; lines: string[] }> {
  return ['README.md', 'docs/LAB.md'].flatMap((file) => {
    const text = readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8');
    return [...text.matchAll(/```lab-transcript\n([\s\S]*?)```/g)].map((m) => ({
      file,
      lines: m[1]!.trimEnd().split('\n'),
    }));
  });
}

const TIME = /^\[\d\d:\d\d:\d\d\.\d{3}\] /;

/** The real output in the transcript's terms: its ports, its data directory, and columns padded alike. */
function asDocumented(line: string, lab: RunningLab, data: string, docData: string): string {
  let text = line.split(data).join(docData);
  for (const [service, port] of Object.entries(lab.ports))
    text = text.replace(
      new RegExp(`\\b${port}\\b`, 'g'),
      String(DEFAULT_PORTS[service as keyof typeof DEFAULT_PORTS]),
    );
  return text.replace(/ {2,}/g, '  ');
}

const running: RunningLab[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  removeDirs(dirs);
});

const all = transcripts();

describe('the lab transcript (README.md or docs/LAB.md)', () => {
  it('is there', () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it.each(all)('in $file shows what `npm start` runs and prints', async ({ lines }) => {
    expect(lines[0]).toBe('$ npm start');
    expect(lines).toContain(`> ${PACKAGE.scripts.start}`);

    const data = tempDataDir(dirs);
    // As npm runs it: the commands to try then start with npx.
    const lab = await startLab(['--ports', 'auto', '--data', data], {
      env: { npm_lifecycle_event: 'start' },
    });
    running.push(lab);
    const docData = /^data: (\S+)/m.exec(lines.join('\n'))![1]!;

    const header = lines.findIndex((l) => l.startsWith('service '));
    const ready = lines.findIndex((l) => l.startsWith(READY));
    const documentedStdout = lines.slice(header, ready + 1).map((l) => l.replace(/ {2,}/g, '  '));
    expect(lab.stdout.lines.map((l) => asDocumented(l, lab, data, docData))).toEqual(documentedStdout);

    // The request the transcript shows.
    expect((await fetch(`http://127.0.0.1:${lab.ports.serve}/`)).status).toBe(200);
    await lab.stderr.waitFor(/\(serve\): GET \//);
    expect(await lab.stop('SIGINT')).toBe(130);
    const stderr = lab.stderr.lines.map((l) => asDocumented(l, lab, data, docData));
    // The lab's own lines, exactly; the services' lines by service and message (times, sizes and paths vary).
    const own = (all: string[]) => all.filter((l) => l.startsWith('plainwire lab: ') && !l.startsWith(READY));
    expect(own(stderr)).toEqual(own(lines));
    // "(serve) listening on http://127.0.0.1:8000", "(serve) GET / 200 1945 B": what each log line says.
    const said = (l: string) =>
      /^\[[^\]]+\] [A-Z]+ (\(\S+\)): (listening on \S+|stopping|stopped|GET \S+ \d+ \d+ B)/
        .exec(l)
        ?.slice(1)
        .join(' ');
    const logged = stderr.map(said);
    const documentedLogs = lines.filter((l) => TIME.test(l));
    expect(documentedLogs.length).toBeGreaterThan(0);
    for (const line of documentedLogs) {
      expect(said(line), `a log line of the transcript says something else: ${line}`).toBeDefined();
      expect(logged).toContain(said(line));
    }
  });
});
