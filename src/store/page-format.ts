// How the store's page shows a value and a TTL: shared by the server's page (page.ts) and the page's script
// (web/live.ts), so a row drawn live reads as a row the server drew. Pure, no Node or DOM APIs.

/** Longer values are cut on the page (get shows them whole), so a page stays small whatever is stored. */
export const PAGE_VALUE_CHARS = 500;

const utf8 = new TextEncoder();

export function shortValue(value: string): string {
  if (value.length <= PAGE_VALUE_CHARS) return value;
  return `${value.slice(0, PAGE_VALUE_CHARS)}... (${utf8.encode(value).length} bytes: get the key to see it all)`;
}

/** A TTL for people: "42 s", "3 min 5 s", "2 h 10 min"; "-" for a key that never expires. */
export function formatTtl(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}
