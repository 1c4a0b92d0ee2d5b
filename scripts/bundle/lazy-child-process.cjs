// node:child_process as the browse bundle sees it (scripts/build-browse.mjs): loaded on first use. commander
// requires it as it loads, for subcommands run as separate executables, which plainwire has none of; loading it
// (and node:net with it) is a noticeable part of starting `browse` (docs/BROWSER.md, "Start-up").
let real;
module.exports = new Proxy(
  {},
  {
    get(_, key) {
      real ??= require('node:child_process');
      return real[key];
    },
  },
);
