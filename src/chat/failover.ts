// Moving a chat session between the nodes of one cluster: connecting to the first node that answers, and, when
// the node is lost, to the next one under the same name, back in the same groups. The line client and the
// full-screen client both go through here, so they try the same way and say the same things.
import { formatHostPort } from '../text/host-port.js';
import { ChatClient, ChatReplyError } from './client.js';

export interface ServerAddress {
  host: string;
  port: number;
}

/** A session's connection to one node: the client, which node of the list, and its HOST:PORT. */
export interface NodeConnection {
  client: ChatClient;
  index: number;
  where: string;
}

/** How long a failover may try before the session gives up, unless told otherwise. */
export const DEFAULT_FAILOVER_MS = 30_000;

/**
 * Connects to the first node of the list that answers. `attach` sees each client before it connects, so its
 * events and its end are watched from the start. Rejects with the first node's error when none answers.
 */
export async function connectToAny(
  servers: readonly ServerAddress[],
  attach: (client: ChatClient) => void,
): Promise<NodeConnection> {
  let firstError: Error | undefined;
  for (const [index, server] of servers.entries()) {
    const client = new ChatClient();
    attach(client);
    try {
      await client.connect(server.host, server.port);
      return { client, index, where: formatHostPort(server.host, server.port) };
    } catch (err) {
      firstError ??= err as Error;
    }
  }
  throw firstError ?? new Error('no server to connect to');
}

/**
 * Whether losing the connection is worth a move: there is another node, and the server did not send us away
 * for good (a name taken elsewhere during an outage would be taken on every node).
 */
export function canFailOver(servers: readonly ServerAddress[], bye: string | undefined): boolean {
  return servers.length > 1 && !bye?.startsWith('name taken');
}

export function movingNotice(lost: string, why: string): string {
  return `lost the connection to ${lost} (${why}); moving to another node`;
}

export interface FailoverOptions {
  servers: readonly ServerAddress[];
  /** The node that was lost (the search starts after it). */
  from: number;
  name: string;
  /** Groups to join again on the new node. */
  groups?: readonly string[];
  /** How long to try (default DEFAULT_FAILOVER_MS). */
  failoverMs?: number;
  stop?: AbortSignal;
  /** As for connectToAny. */
  attach: (client: ChatClient) => void;
}

export interface Moved extends NodeConnection {
  /** People in the chat after the move, when USERS answered. */
  total: number | undefined;
  /** The groups joined again (those refused are left out). */
  rejoined: string[];
}

/** The line that tells the person where the session is now. */
export function movedNotice(moved: Moved, name: string): string {
  const here = moved.total !== undefined ? `; ${moved.total} here` : '';
  const groups = moved.rejoined.length > 0 ? `; back in ${moved.rejoined.join(', ')}` : '';
  return `reconnected to ${moved.where} as ${name}${here}${groups} (messages sent to you meanwhile are lost)`;
}

/**
 * Connects to the next nodes in turn (backoff with jitter, bounded by failoverMs) and registers the same name
 * again. A name held by a node that died is free once that node's lease runs out, so NAME_TAKEN is retried
 * too. Resolves undefined when no node took the session back in time, or when stopped.
 */
export async function failOver(o: FailoverOptions): Promise<Moved | undefined> {
  const deadline = Date.now() + (o.failoverMs ?? DEFAULT_FAILOVER_MS);
  let index = o.from;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (o.stop?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, retryDelay(attempt)));
    if (o.stop?.aborted) return undefined;
    index = (index + 1) % o.servers.length;
    const server = o.servers[index]!;
    const client = new ChatClient();
    o.attach(client);
    try {
      await client.connect(server.host, server.port, { timeoutMs: 5000 });
    } catch {
      continue;
    }
    for (let tries = 0; Date.now() < deadline && client.connected && !o.stop?.aborted; tries++) {
      try {
        await client.register(o.name);
        const total = await client.listUsers().then(
          (users) => users.total,
          () => undefined,
        );
        const rejoined: string[] = [];
        for (const group of o.groups ?? []) {
          const reply = await client.command(`JOIN ${group}`).catch(() => undefined);
          if (reply?.ok) rejoined.push(group);
        }
        return {
          client,
          index,
          where: formatHostPort(server.host, server.port),
          total,
          rejoined,
        };
      } catch (err) {
        if (!(err instanceof ChatReplyError) || err.code !== 'NAME_TAKEN') break;
        // Probably still held by the node we lost, until its lease runs out.
        await new Promise((r) => setTimeout(r, retryDelay(tries)));
      }
    }
    client.close();
  }
  return undefined;
}

/** The wait before a failover's attempt: doubling from 100 ms to at most 3 s, each with random jitter. */
function retryDelay(attempt: number): number {
  const base = Math.min(3000, 100 * 2 ** Math.min(attempt, 5));
  return base / 2 + Math.random() * (base / 2);
}
