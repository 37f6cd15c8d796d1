// Builds powchain's native modules with node-gyp, the one npm carries: the memory helper
// (native/memory/memory.c: malloc_trim, needs only a C compiler; without it the node only asks V8
// to collect after a burst of traffic, and keeps more of the memory the burst took), then the
// verifier (native/verify.c, against the system's libsecp256k1) into
// native/build/Release/powchain_verify.node.
//
// The verifier is optional, so this never fails an install: without libsecp256k1's headers
// (Debian/Ubuntu: libsecp256k1-dev), or when the build itself fails, it says why and exits 0,
// and powchain verifies with the `secp256k1` package's bundled library (about a quarter slower
// per signature; the node's start-up line names the backend it uses, and the test suite checks
// that fallback instead of the module). --strict makes a failed build of either module exit 1
// (CI's job with the library uses it, so a module that should be there cannot go missing
// unnoticed). Skips building when the module is newer than every input (--force builds anyway).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(root, 'native');
const memoryDir = join(dir, 'memory');
const memoryOut = join(memoryDir, 'build', 'Release', 'powchain_memory.node');
const memoryInputs = [fileURLToPath(import.meta.url), join(memoryDir, 'memory.c'), join(memoryDir, 'binding.gyp')];
const out = join(dir, 'build', 'Release', 'powchain_verify.node');
const inputs = [fileURLToPath(import.meta.url), join(dir, 'verify.c'), join(dir, 'binding.gyp')];
const args = new Set(process.argv.slice(2));

const say = (line) => process.stdout.write(`build-native: ${line}\n`);

function upToDate(module = out, from = inputs) {
  if (args.has('--force') || !existsSync(module)) return false;
  const built = statSync(module).mtimeMs;
  return from.every((f) => statSync(f).mtimeMs <= built);
}

/** Stop without a module: a stale one from older sources must not stay in use. */
function without(reasons) {
  rmSync(out, { force: true });
  for (const r of reasons) say(r);
  say("powchain will verify with the secp256k1 package's bundled libsecp256k1, about 25% slower.");
  process.exit(args.has('--strict') ? 1 : 0);
}

/** Whether the C compiler finds <secp256k1.h>. Through a shell, as make runs it: CC may hold arguments. */
function probeHeaders() {
  const cc = process.env.CC || 'cc';
  const probe = spawnSync(`${cc} -E -x c -`, { shell: true, input: '#include <secp256k1.h>\n', encoding: 'utf8' });
  if (probe.error) return `could not run the C compiler (${cc}): ${probe.error.message}`;
  if (probe.status !== 0)
    return `libsecp256k1's headers were not found by ${cc} (Debian/Ubuntu: apt-get install libsecp256k1-dev)`;
  return undefined;
}

/** node-gyp: npm names its own in npm_config_node_gyp while it runs a script. */
function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && existsSync(bundled)) return [process.execPath, bundled];
  if (process.env.npm_execpath) {
    const beside = join(dirname(dirname(process.env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(beside)) return [process.execPath, beside];
  }
  return ['node-gyp'];
}

/** node-gyp rebuild in `directory`; the failure's text, or undefined when it built. */
function gyp(directory) {
  const [cmd, ...pre] = nodeGyp();
  const gypArgs = [...pre, 'rebuild', '--directory', directory];
  // Node-API is ABI-stable: the headers of any Node >= 12 build a module every later Node loads, so
  // the configured nodedir (a system Node's headers, say) serves whichever Node runs powchain.
  if (process.env.npm_config_nodedir) gypArgs.push(`--nodedir=${process.env.npm_config_nodedir}`);
  const run = spawnSync(cmd, gypArgs, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (!run.error && run.status === 0) return undefined;
  return `${run.stdout ?? ''}${run.stderr ?? ''}\n${run.error ? run.error.message : `exit status ${run.status}`}`;
}

if (!upToDate(memoryOut, memoryInputs)) {
  const failed = gyp(memoryDir);
  if (failed) {
    rmSync(memoryOut, { force: true });
    say(
      `the memory helper was not built (${failed.trim().split('\n').at(-1)}); the node will keep more memory after bursts of traffic.`,
    );
    if (args.has('--strict')) {
      process.stderr.write(`${failed}\n`);
      process.exit(1);
    }
  } else say(`wrote ${memoryOut}`);
}

if (upToDate()) process.exit(0);
const missing = probeHeaders();
if (missing) without([`${missing}; skipped.`]);

const failed = gyp(dir);
if (failed) {
  process.stderr.write(`${failed}\n`);
  without([`node-gyp did not build the module: output above.`]);
}
say(`wrote ${out}`);
