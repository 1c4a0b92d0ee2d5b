// One long-poll watch request: answer at once when the engine has matching changes after `after`, else wait on the
// watch hub for the first one (or the timeout, or the store stopping) and answer with what is there then.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type Operation } from './api.js';
import type { Change, Engine } from './engine.js';
import { engineFailure, JSON_TYPE, type Responder } from './responses.js';
import type { WatchHub } from './watch.js';

export const MAX_WATCH_CHANGES = 1000;

export type WatchOperation = Extract<Operation, { kind: 'watch' }>;

export interface LongPollContext {
  engine: Engine;
  hub: WatchHub;
  responder: Responder;
  isStopping(): boolean;
}

function changeJson(c: Change): object {
  return c.type === 'set'
    ? { type: c.type, key: c.key, value: c.value, version: c.version, revision: c.revision }
    : { type: c.type, key: c.key, version: c.version, revision: c.revision };
}

export async function answerWatch(
  ctx: LongPollContext,
  op: WatchOperation,
  head: boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { engine, responder } = ctx;
  const after = op.after ?? (await engine.revision()).revision;
  let timedOut = op.timeoutSeconds === 0;
  /** Answers and returns true, or returns false when there is nothing to say yet. */
  const answer = async (): Promise<boolean> => {
    const found = await engine.changesAfter(after, op.match, MAX_WATCH_CHANGES);
    if (res.writableEnded || res.destroyed) return true;
    if (found.kind === 'compacted') {
      responder.sendError(
        res,
        new ApiError(
          410,
          `revision ${after} is older than the change log (it starts after ${found.oldest}): list again and watch from the listed revision`,
        ),
        head,
      );
      return true;
    }
    if (found.kind === 'future') {
      responder.sendError(
        res,
        new ApiError(
          410,
          `revision ${after} is newer than this store's ${found.revision} (was the store replaced?): list again and watch from the listed revision`,
        ),
        head,
      );
      return true;
    }
    if (found.changes.length === 0 && !timedOut && !ctx.isStopping()) return false;
    const body = JSON.stringify({ revision: found.revision, changes: found.changes.map(changeJson) });
    responder.send(res, 200, body, JSON_TYPE, { head, read: { revision: found.revision } });
    return true;
  };
  /** A late answer that fails (the engine went away) still gets an error, never an unanswered request. */
  const answerLate = (): void => {
    timedOut = true; // whatever is there now is the answer
    answer().catch((err: unknown) => {
      if (!res.headersSent) responder.sendError(res, engineFailure(err), head);
      else res.destroy();
    });
  };
  // Waiting starts before the first look, so a change landing while the engine is asked is not missed.
  let looking = true;
  let wokenWhileLooking = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    cancel();
    if (timer) clearTimeout(timer);
    req.socket.off('close', finish);
  };
  const cancel = ctx.hub.wait(op.match, () => {
    if (looking) {
      wokenWhileLooking = true;
      return;
    }
    finish();
    if (!res.writableEnded && !res.destroyed) answerLate();
  });
  try {
    if (await answer()) return finish();
  } catch (err) {
    finish();
    throw err;
  }
  looking = false;
  if (req.socket.destroyed) return finish();
  if (wokenWhileLooking) {
    finish();
    return answerLate();
  }
  timer = setTimeout(() => {
    finish();
    if (!res.writableEnded && !res.destroyed) answerLate();
  }, op.timeoutSeconds * 1000);
  // A client that goes away stops costing anything.
  req.socket.on('close', finish);
}
