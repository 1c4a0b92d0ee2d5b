// The page layout (layout.ts) with string-width loaded, so that displayWidth measures any text: what the
// line-mode pager, --json and the full-screen TUI import. The API is described in layout.ts.
import stringWidth from 'string-width';
import { setWideWidth } from './width.js';

setWideWidth(stringWidth);

export * from './layout.js';
