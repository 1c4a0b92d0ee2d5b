// One log line per answered request, whichever path answered it (node:http, HTTP/0.9, a raw refusal).
import type { Logger } from '../log.js';
import { sanitizeLine } from '../text/sanitize.js';
import type { ResponsePlan } from './plan.js';

export interface RequestFields {
  method: string;
  path: string;
  version: string;
  remote?: string;
}

export type LogRequest = (
  fields: RequestFields,
  plan: Pick<ResponsePlan, 'status' | 'note'>,
  bytes: number,
  startedAt: number,
  aborted?: boolean,
) => void;

/** With `withFields` false only the one-line message is logged (pino-pretty puts each field on a line of its own). */
export function requestLogger(logger: Logger, withFields: boolean): LogRequest {
  return (fields, plan, bytes, startedAt, aborted = false) => {
    // The path is the client's: it may hold escape sequences meant for the terminal reading the log.
    const path = sanitizeLine(fields.path).slice(0, 300);
    const ms = Math.round((performance.now() - startedAt) * 10) / 10;
    const note = plan.note ?? (aborted ? 'aborted' : undefined);
    const message = `${fields.method} ${path} ${plan.status} ${bytes} B ${ms} ms${note ? ` (${note})` : ''}`;
    if (!withFields) logger.info(message);
    else logger.info({ ...fields, path, status: plan.status, bytes, ms, ...(note ? { note } : {}) }, message);
  };
}
