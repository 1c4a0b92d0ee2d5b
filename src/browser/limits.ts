// The browser's default limits, in a module of their own so the CLI can show them without loading the browser.
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const MAX_REDIRECTS = 10;
