// The table the lab prints at start: one row per service, columns padded to line up in a terminal.

export interface TableRow {
  service: string;
  where: string;
  tryThis: string;
}

const HEADER: TableRow = { service: 'service', where: 'where', tryThis: 'try' };

export function formatTable(rows: readonly TableRow[]): string {
  const all = [HEADER, ...rows];
  const serviceWidth = Math.max(...all.map((r) => r.service.length));
  const whereWidth = Math.max(...all.map((r) => r.where.length));
  return all
    .map((r) => `${r.service.padEnd(serviceWidth)}  ${r.where.padEnd(whereWidth)}  ${r.tryThis}`.trimEnd())
    .join('\n');
}
