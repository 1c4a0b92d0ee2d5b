// Starting the real `plainwire lab` for tests: wait for its ready line on stdout, read the ports from its table,
// and check afterwards that nothing it opened still listens.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliProcess, type RunCliOptions, spawnCli, watchProcess } from '../helpers/cli.js';

export const READY = 'plainwire lab: ready';

export interface RunningLab extends CliProcess {
  /** The port of each service, as the table shows it. */
  ports: Record<string, number>;
  /** The table's rows: service, where, try. */
  rows: Array<{ service: string; where: string; tryThis: string }>;
}

export function tempDataDir(dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'plainwire-lab-'));
  dirs.push(dir);
  return dir;
}

export function removeDirs(dirs: string[]): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const ROW = /^(\S+)\s{2,}(\S+)\s{2,}(.+)$/;

/** Starts `plainwire lab ...args`, or `node script ...args` for a script that runs the built lab. */
export async function startLab(
  args: string[],
  options: RunCliOptions & { script?: string } = {},
): Promise<RunningLab> {
  const proc =
    options.script === undefined ? spawnCli(['lab', ...args], options) : spawnScript(options.script, args);
  await Promise.race([
    proc.stdout.waitFor((line) => line.startsWith(READY), 60_000),
    proc.exited.then((code) => {
      throw new Error(`plainwire lab exited with ${code} before it was ready:\n${proc.stderr.text()}`);
    }),
  ]);
  const rows = proc.stdout.lines.flatMap((line) => {
    const m = ROW.exec(line);
    return m && m[1] !== 'service' ? [{ service: m[1]!, where: m[2]!, tryThis: m[3]! }] : [];
  });
  const ports = Object.fromEntries(
    rows.map((row) => [row.service, Number(/:(\d+)\/?$/.exec(row.where)?.[1] ?? Number.NaN)]),
  );
  return { ...proc, ports, rows };
}

/** Whether anything accepts a TCP connection on 127.0.0.1:port right now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs python3 -c CODE with arguments; resolves with its stdout. */
export function python(code: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', code, ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Sets a key through the store's lab URL API with urllib, as the lab's Python client did. */
export const URLLIB_SET = `
import sys, urllib.parse, urllib.request
base, key, value = sys.argv[1:4]
query = urllib.parse.urlencode({"action": "set", "key": key, "value": value})
with urllib.request.urlopen(base + "?" + query, timeout=10) as r:
    print(r.status, r.headers["X-Plainwire-Version"])
`;

export const URLLIB_GET = `
import sys, urllib.parse, urllib.request
base, key = sys.argv[1:3]
query = urllib.parse.urlencode({"action": "get", "key": key})
with urllib.request.urlopen(base + "?" + query, timeout=10) as r:
    sys.stdout.write(r.read().decode("utf-8"))
`;

/** Starts `node script ...args`: a test script that runs the built lab (fixture-lab.mjs). */
export function spawnScript(script: string, args: string[]): CliProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return watchProcess(child);
}
