// plainwire's library API: what `import { ... } from 'plainwire'` gives a program.
export * from './line/index.js';
export * from './chat/index.js';
export * from './store/index.js';
export * from './imchat/index.js';
export * from './web/index.js';
export * from './browser/index.js';
export { sanitizeText, sanitizeLine, isTerminalSafe } from './text/sanitize.js';
