#!/usr/bin/env bash
# The browser's tests against the newest parse5 8.x instead of the exact version package.json pins, in a temporary
# copy of the checkout (this one is left as it is): a newer parse5 must at worst turn plainwire's use of its
# internals off (src/browser/parse5-internals.ts), never break a page. For .ci/run; exits as vitest does.
# Arguments, if any, are the test files to run instead of test/browser.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/plainwire-parse5-latest.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./.vitest -cf - . | tar -C "$tmp" -xf -
cp -a "$root/node_modules" "$tmp/node_modules"
cd "$tmp"
npm install --no-save --no-audit --no-fund --ignore-scripts parse5@8 >/dev/null
echo "parse5-latest: testing the browser against parse5 $(node -p "require('./node_modules/parse5/package.json').version") (pinned: $(node -p "require('./package.json').dependencies.parse5"))"
npx tsc -p tsconfig.build.json
# The executable runs browse from its bundle, which holds the parse5 installed when it is made: this one.
node scripts/build-browse.mjs
npx vitest run "${@:-test/browser}"
