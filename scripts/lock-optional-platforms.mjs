// Records in package-lock.json the optional platform packages (other OSes' builds of biome, msgpackr-extract...)
// that this machine's npm registry does not carry. Without these entries `npm ci` calls the lock "out of sync";
// with them it sees each package's os/cpu, knows it does not apply here, and skips it.
// Run after any `npm install` that rewrites the lock: node scripts/lock-optional-platforms.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let out = '';
try {
  execFileSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'pipe' });
} catch (err) {
  out = String(err.stderr) + String(err.stdout);
}
const missing = [...out.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((m) => m[1]);
if (missing.length === 0) {
  console.log('package-lock.json: nothing missing');
  process.exit(0);
}

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const wanted = new Map();
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (missing.includes(name)) wanted.set(name, { range, parent: path });
  }
}

function platformOf(name) {
  const os = ['android', 'darwin', 'win32', 'freebsd', 'openbsd', 'sunos', 'aix', 'linux'].find((o) => name.includes(`-${o}`));
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64'].find((c) => new RegExp(`-${c}(-|$)`).test(name));
  const libc = name.endsWith('-musl') ? ['musl'] : undefined;
  return { os: os ? [os] : undefined, cpu: cpu ? [cpu] : undefined, libc };
}

for (const name of missing) {
  const w = wanted.get(name);
  if (!w) throw new Error(`${name} is missing from the lock but no package lists it as optional`);
  const version = String(w.range).replace(/^[\^~=]/, '');
  lock.packages[`node_modules/${name}`] = { version, optional: true, ...platformOf(name) };
  console.log(`added ${name}@${version}`, JSON.stringify(platformOf(name)));
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
