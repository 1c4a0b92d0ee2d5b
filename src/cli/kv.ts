// `plainwire kv URL OPERATION ...`: the store from the shell, a thin layer over StoreClient.
// Data goes to stdout (raw, or sanitised when stdout is a terminal), one-line diagnostics to stderr.
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  CompactedError,
  StoreError,
  StoreUnavailableError,
  VersionConflictError,
} from '../store/client-errors.js';
import { type ActionName, type KvFlag, STORE_ACTIONS, findAction } from '../store/actions.js';
import { type Change, type Entry, StoreClient } from '../store/client.js';
import { splitUrlList } from '../store/client-protocol.js';
import { sanitizeLine, sanitizeText } from '../text/sanitize.js';
import { MAX_TTL_S } from '../store/api-params.js';
import { parseSeconds } from './options.js';

/** kv's operations are the store's actions (src/store/actions.ts), with their arguments and help. */
type Operation = ActionName;
const OPERATIONS: readonly string[] = STORE_ACTIONS.map((action) => action.name);

/** The help's operation list, from the action table: usage on the left, its help lines on the right. */
function operationsHelp(): string {
  const column = 31;
  const lines: string[] = [];
  for (const { name, kv } of STORE_ACTIONS) {
    const usage = `  ${name}${kv.args ? ` ${kv.args}` : ''}`;
    const [first, ...more] = kv.help;
    if (usage.length < column - 1) lines.push(`${usage.padEnd(column)}${first}`);
    else lines.push(usage, `${' '.repeat(column)}${first}`);
    for (const line of more) lines.push(`${' '.repeat(column)}${line}`);
  }
  return lines.join('\n');
}

/** Values read from stdin (`set KEY -`) above this are refused rather than held in memory. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

interface KvOptions {
  json?: boolean;
  token?: string;
  ifVersion?: number;
  ttl?: number;
  prefix?: string;
  after?: number;
  timeout?: number;
  anyServer?: boolean;
}

const HELP_AFTER = `
Operations:
${operationsHelp()}

With --json every answer is JSON (watch: one JSON object per line). Exit status: 0 ok, 1 failure (store
unreachable, not a plainwire store, missing key, version conflict, refused), 2 bad usage. A value starting
with "-" goes after "--". An answer without the store's X-Plainwire-Revision header (a web server at the URL)
fails; --any-server accepts one, for another server of the lab's ?action= API such as its PHP page.

Several URLs separated by commas are the nodes of one store (\`plainwire store --etcd\`): kv uses the first that
answers and moves to the next when a node refuses, resets, times out or answers 503, for up to --timeout.
Reads and plain sets simply go again on the next node; a --if-version write, an unset or a clear is sent again
only if it cannot have landed, or (set, unset) once reading the key back shows it did not; otherwise kv exits 1
saying it "may or may not have been applied".

Examples:
  plainwire kv http://127.0.0.1:8001/ set greeting 'hello world'
  plainwire kv http://127.0.0.1:8001/ get greeting
  plainwire kv http://127.0.0.1:8001/ set notes - < notes.txt
  plainwire kv http://127.0.0.1:8001/ set counter 8 --if-version 41
  plainwire kv http://127.0.0.1:8001/ watch --prefix chat/ --json
  PLAINWIRE_TOKEN=secret plainwire kv http://127.0.0.1:8001/ clear
  plainwire kv http://10.0.0.1:8001,http://10.0.0.2:8001 get greeting`;

function parseCount(value: string): number {
  if (!/^\d{1,15}$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more).`);
  return Number(value);
}

/** Keeps one record on one line whatever the key or value holds: backslash escapes for \\, \n, \r and \t. */
function escapeField(text: string): string {
  return text.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

class Output {
  private readonly tty = process.stdout.isTTY === true;

  /** A raw value: as sent on a pipe (so `get k > file` round-trips), sanitised and newline-ended on a TTY. */
  value(text: string): void {
    if (!this.tty) return void process.stdout.write(text);
    const safe = sanitizeText(text);
    process.stdout.write(safe.endsWith('\n') || safe === '' ? safe : `${safe}\n`);
  }

  line(text: string): void {
    process.stdout.write(`${this.tty ? sanitizeLine(text) : text}\n`);
  }

  /**
   * JSON.stringify escapes C0 controls but not DEL, C1 controls (U+009B is a one-byte CSI) or bidi overrides;
   * escaping those too keeps the JSON equal in meaning and safe on a terminal.
   */
  json(value: unknown): void {
    const text = JSON.stringify(value).replace(
      /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    process.stdout.write(`${text}\n`);
  }
}

function entryLine(entry: Entry): string {
  return `${escapeField(entry.key)}\t${escapeField(entry.value)}`;
}

function changeLine(change: Change): string {
  const head = `${change.revision}\t${change.type}\t${escapeField(change.key)}`;
  return change.value === undefined ? head : `${head}\t${escapeField(change.value)}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES)
      throw new UsageError(`the value on stdin is over ${MAX_STDIN_BYTES} bytes`, 1);
    chunks.push(chunk);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, size));
  } catch {
    throw new UsageError('the value on stdin is not valid UTF-8 text; the store keeps text', 1);
  }
}

/** A failure the CLI reports in one line; exitCode 2 for bad usage, 1 otherwise. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/** The one line a person reads when an operation fails, with what to do where we know it. */
function describeFailure(err: unknown, url: string): string {
  if (err instanceof UsageError) return err.message;
  if (err instanceof StoreUnavailableError) {
    const hint = /refused/.test(err.message) ? ' (is `plainwire store` running?)' : '';
    return `${err.message}${hint}`;
  }
  if (err instanceof VersionConflictError) return err.message;
  if (err instanceof CompactedError) {
    return `${err.message} (list again with \`plainwire kv ${url} list\`, then watch with --after its revision)`;
  }
  if (err instanceof StoreError) {
    if (err.code === 'UNAUTHORIZED') return `${err.message} (pass --token or set PLAINWIRE_TOKEN)`;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Each operation-specific option's flag; an operation whose table entry does not list it refuses it. */
const OPTION_FLAGS: ReadonlyArray<readonly [keyof KvOptions, KvFlag]> = [
  ['ifVersion', '--if-version'],
  ['ttl', '--ttl'],
  ['prefix', '--prefix'],
  ['after', '--after'],
];

/** Refuses options the operation does not take and a wrong number of arguments, as its table entry says. */
function checkUsage(operation: Operation, args: string[], opts: KvOptions): void {
  const { kv } = findAction(operation)!;
  for (const [option, flag] of OPTION_FLAGS) {
    if (opts[option] === undefined || kv.flags.includes(flag)) continue;
    const allowed = STORE_ACTIONS.filter((action) => action.kv.flags.some((f) => f === flag)).map(
      (a) => a.name,
    );
    throw new UsageError(`${flag} does not apply to ${operation} (only to ${allowed.join(' and ')})`);
  }
  if (args.length < kv.minArgs || args.length > kv.maxArgs)
    throw new UsageError(`usage: plainwire kv URL ${operation}${kv.args ? ` ${kv.args}` : ''}`);
}

async function runOperation(
  client: StoreClient,
  operation: Operation,
  args: string[],
  opts: KvOptions,
  out: Output,
): Promise<void> {
  checkUsage(operation, args, opts);
  switch (operation) {
    case 'get': {
      const entry = await client.getEntry(args[0]!);
      if (!entry) throw new UsageError(`no such key: ${args[0]}`, 1);
      if (opts.json) out.json(entry);
      else out.value(entry.value);
      return;
    }
    case 'set': {
      const value = args[1] === '-' ? await readStdin() : args[1]!;
      const setOpts: { ifVersion?: number; ttl?: number } = {};
      if (opts.ifVersion !== undefined) setOpts.ifVersion = opts.ifVersion;
      if (opts.ttl !== undefined) setOpts.ttl = opts.ttl;
      const result = await client.set(args[0]!, value, setOpts);
      if (opts.json) out.json({ key: args[0], ...result });
      else out.line(String(result.version));
      return;
    }
    case 'unset': {
      const result = await client.unset(
        args[0]!,
        opts.ifVersion === undefined ? {} : { ifVersion: opts.ifVersion },
      );
      if (opts.json) out.json({ key: args[0], ...result });
      return;
    }
    case 'keys': {
      const keys = await client.keys();
      if (opts.json) out.json(keys);
      else for (const key of keys) out.line(escapeField(key));
      return;
    }
    case 'list': {
      const prefix = args[0] ?? opts.prefix;
      const listing = await client.listAll(prefix);
      if (opts.json) out.json(listing);
      else for (const entry of listing.items) out.line(entryLine(entry));
      return;
    }
    case 'watch':
      if (args[0] !== undefined && opts.prefix !== undefined)
        throw new UsageError('watch takes a KEY or --prefix, not both');
      return watch(client, args[0], opts, out);
    case 'clear': {
      await client.clear();
      if (opts.json) out.json({ cleared: true });
      return;
    }
    case 'revision': {
      const revision = await client.revision();
      if (opts.json) out.json({ revision });
      else out.line(String(revision));
      return;
    }
    default: {
      // A new entry in the store's action table fails to compile here until kv knows how to print its answer.
      const unhandled: never = operation;
      throw new UsageError(`kv cannot run ${String(unhandled)} yet`);
    }
  }
}

async function watch(
  client: StoreClient,
  key: string | undefined,
  opts: KvOptions,
  out: Output,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A closed pipe (`... | head -3`) ends the watch quietly, as any Unix filter would.
  process.stdout.on('error', onSignal);
  try {
    const changes = client.watch({
      ...(key !== undefined ? { key } : { prefix: opts.prefix ?? '' }),
      ...(opts.after !== undefined ? { after: opts.after } : {}),
      signal: stop.signal,
      onRetry: (err, attempt) => {
        if (attempt === 1)
          process.stderr.write(`plainwire kv: ${sanitizeLine(err.message)}; retrying (Ctrl-C to stop)\n`);
      },
    });
    for await (const change of changes) {
      if (opts.json) out.json(change);
      else out.line(changeLine(change));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command): void {
  program
    .command('kv')
    .description("read, write and watch a plainwire store (or the lab's ?action= URL API) from the shell")
    .argument(
      '<url>',
      'the store, e.g. http://127.0.0.1:8001/ (http:// may be left out); the nodes of one store: URL,URL,...',
    )
    .argument('<operation>', `one of: ${OPERATIONS.join(', ')}`)
    .argument('[args...]', "the operation's arguments (see below)")
    .option('--json', 'print answers as JSON (watch: one JSON object per line)')
    .addOption(
      new Option('--token <secret>', 'token for a store started with --token').env('PLAINWIRE_TOKEN'),
    )
    .option('--if-version <n>', 'set/unset only if the key is at version N (0: only if absent)', parseCount)
    .option(
      '--ttl <seconds>',
      'set: the key expires after this many seconds',
      parseSeconds({ whole: true, max: MAX_TTL_S }),
    )
    .option('--prefix <prefix>', 'watch/list: only keys starting with this')
    .option('--after <revision>', 'watch: changes after this revision (default: from now)', parseCount)
    .option(
      '--timeout <seconds>',
      'give up on an unanswered request (and on finding a working node) after this long (default 10)',
      parseSeconds(),
    )
    .option(
      '--any-server',
      "accept a server without plainwire's headers (the lab's PHP page): no versions, no checks",
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (url: string, operation: string, args: string[], opts: KvOptions, command: Command) => {
      if (!OPERATIONS.includes(operation)) {
        command.error(`plainwire kv: unknown operation "${operation}" (one of: ${OPERATIONS.join(', ')})`, {
          exitCode: 2,
          code: 'kv.usage',
        });
      }
      let client: StoreClient;
      try {
        const urls = splitUrlList(url);
        const clientOpts: ConstructorParameters<typeof StoreClient>[1] = {};
        if (opts.anyServer) clientOpts.requireStore = false;
        if (opts.token !== undefined) clientOpts.token = opts.token;
        if (opts.timeout !== undefined) clientOpts.timeoutMs = opts.timeout * 1000;
        if (opts.timeout !== undefined) clientOpts.failoverMs = opts.timeout * 1000;
        client = new StoreClient(urls.length === 1 ? urls[0]! : urls, clientOpts);
      } catch (err) {
        command.error(`plainwire kv: ${describeFailure(err, url)}`, { exitCode: 2, code: 'kv.usage' });
        return;
      }
      try {
        await runOperation(client, operation as Operation, args, opts, new Output());
      } catch (err) {
        if (err instanceof UsageError && err.exitCode === 2) {
          command.error(`plainwire kv: ${err.message}`, { exitCode: 2, code: 'kv.usage' });
        }
        process.stderr.write(`plainwire kv: ${sanitizeLine(describeFailure(err, url))}\n`);
        process.exitCode = 1;
      } finally {
        client.close();
      }
    });
}
