// Builds powchain's native verifier (native/verify.c, against the system's libsecp256k1) into
// native/build/Release/powchain_verify.node with node-gyp, the one npm carries.
//
// The verifier is optional: without libsecp256k1's headers (Debian/Ubuntu: libsecp256k1-dev)
// this prints why and exits 0, and powchain verifies with the `secp256k1` package's bundled
// library instead (about a quarter slower per signature). With the headers, a failed build is an
// error. Skips building when the module is newer than every input (--force builds anyway).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(root, 'native');
const out = join(dir, 'build', 'Release', 'powchain_verify.node');
const inputs = [fileURLToPath(import.meta.url), join(dir, 'verify.c'), join(dir, 'binding.gyp')];
const force = process.argv.includes('--force');

const say = (line) => process.stdout.write(`build-native: ${line}\n`);

function upToDate() {
  if (force || !existsSync(out)) return false;
  const built = statSync(out).mtimeMs;
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

/** Whether the C compiler finds <secp256k1.h>, asked the way the build will ask it. */
function hasHeaders() {
  const cc = process.env.CC || 'cc';
  const probe = spawnSync(cc, ['-E', '-x', 'c', '-'], { input: '#include <secp256k1.h>\n', encoding: 'utf8' });
  return probe.status === 0;
}

/** node-gyp: npm names its own in npm_config_node_gyp while it runs a script. */
function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && existsSync(bundled)) return [process.execPath, bundled];
  const npmDir = join(dirname(dirname(process.env.npm_execpath ?? '')), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(npmDir)) return [process.execPath, npmDir];
  return ['node-gyp'];
}

if (upToDate()) process.exit(0);
if (!hasHeaders()) {
  say('libsecp256k1 headers not found (Debian/Ubuntu: apt-get install libsecp256k1-dev); skipped.');
  say('powchain will verify signatures with the secp256k1 package\'s bundled library, about 25% slower.');
  process.exit(0);
}
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--directory', dir];
// Node-API is ABI-stable, so the headers of any Node >= 12 build a module every later Node loads.
if (process.env.npm_config_nodedir) args.push(`--nodedir=${process.env.npm_config_nodedir}`);
const run = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr);
  say('the native verifier did not build (output above); libsecp256k1\'s headers are installed, so this is an error.');
  process.exit(1);
}
say(`wrote ${out}`);
