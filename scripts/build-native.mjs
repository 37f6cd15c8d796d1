// Builds powchain's three optional native modules with node-gyp, the one npm carries, into
// native/build/Release/:
// - powchain_memory.node (native/memory.c): malloc_trim, so a node hands the memory a burst of
//   traffic took back to the system; needs only a C compiler (without it the node only asks V8 to
//   collect after a burst, and keeps more of that memory);
// - powchain_verify.node (native/verify.c): ECDSA checks with the system's libsecp256k1, built when
//   the library's headers are installed (Debian/Ubuntu: libsecp256k1-dev);
// - powchain_mine.node (native/mine.c, sha256d_scan.c): the SHA-256d nonce scanner for CPUs with
//   SHA extensions, built when the C compiler compiles it.
//
// All are optional, so this never fails an install: for each module it cannot build (no C
// compiler, no headers, a compiler without the SHA intrinsics, a failed build) it says why, removes
// any stale copy, and exits 0; powchain then verifies with the `secp256k1` package's bundled
// library (about a quarter slower per signature) and mines with the WebAssembly kernel, its
// start-up line says so, and the test suite checks those fallbacks instead of the modules.
// --strict makes a module that is not built exit 1 (CI's job with the library uses it, so a module
// that should be there cannot go missing unnoticed). Skips building when every module it can build
// is newer than its inputs (--force builds anyway). --dir <path> builds the native/ sources found
// there instead (the tests build a copy).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { devNull } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const args = new Set(argv);
const dirAt = argv.indexOf('--dir');
const dir = dirAt >= 0 && argv[dirAt + 1] ? resolve(argv[dirAt + 1]) : join(root, 'native');
const release = join(dir, 'build', 'Release');
const cc = process.env.CC || 'cc';

const say = (line) => process.stdout.write(`build-native: ${line}\n`);

/** Runs the C compiler through a shell, as make does: CC may hold arguments. */
function compile(command, input) {
  const run = spawnSync(`${cc} ${command}`, { shell: true, input, encoding: 'utf8', cwd: dir });
  if (run.error) return `could not run the C compiler (${cc}): ${run.error.message}`;
  if (run.status === 0) return undefined;
  return run.stderr.trim().split('\n').slice(0, 3).join(' | ') || `exit status ${run.status}`;
}

const modules = [
  {
    gyp: 'with_memory',
    target: 'powchain_memory',
    sources: ['memory.c'],
    probe: () => {
      const error = compile(`-fsyntax-only -x c -`, '#include <malloc.h>\nint main(void) { return malloc_trim(0); }\n');
      return error && `${cc} could not compile malloc_trim (${error})`;
    },
    without: 'the node will keep more of the memory a burst of traffic took (V8 still collects).',
  },
  {
    gyp: 'with_verify',
    target: 'powchain_verify',
    sources: ['verify.c'],
    probe: () =>
      compile('-E -x c -', '#include <secp256k1.h>\n') &&
      `libsecp256k1's headers were not found by ${cc} (Debian/Ubuntu: apt-get install libsecp256k1-dev)`,
    without: "powchain will verify with the secp256k1 package's bundled libsecp256k1, about 25% slower.",
  },
  {
    gyp: 'with_mine',
    target: 'powchain_mine',
    sources: ['mine.c', 'sha256d_scan.c', 'sha256d_scan.h'],
    probe: () => {
      const error = compile(`-c -O2 -o ${devNull} sha256d_scan.c`);
      return error && `${cc} could not compile the SHA-extension kernel (${error})`;
    },
    without: 'powchain will mine with the WebAssembly kernel, about a quarter as fast where the CPU has SHA-NI.',
  },
].map((m) => ({ ...m, out: join(release, `${m.target}.node`) }));

const inputsOf = (m) => [
  fileURLToPath(import.meta.url),
  join(dir, 'binding.gyp'),
  ...m.sources.map((s) => join(dir, s)),
];

function upToDate(m) {
  if (args.has('--force') || !existsSync(m.out)) return false;
  const built = statSync(m.out).mtimeMs;
  return inputsOf(m).every((f) => statSync(f).mtimeMs <= built);
}

/** Drops a module that will not be built: a stale one from older sources must not stay in use. */
function without(m, reason) {
  rmSync(m.out, { force: true });
  say(`${m.target}: ${reason}; skipped. ${m.without}`);
  return false;
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

function gyp(commands, after = []) {
  const [cmd, ...pre] = nodeGyp();
  const gypArgs = [...pre, ...commands, '--directory', dir];
  // Node-API is ABI-stable: the headers of any Node >= 12 build a module every later Node loads, so
  // the configured nodedir (a system Node's headers, say) serves whichever Node runs powchain.
  if (process.env.npm_config_nodedir) gypArgs.push(`--nodedir=${process.env.npm_config_nodedir}`);
  const run = spawnSync(cmd, [...gypArgs, '--', ...after], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    return `node-gyp ${commands.join(' ')} failed: ${run.error ? run.error.message : `exit status ${run.status}, output above`}`;
  }
  return undefined;
}

// Probe first: a module whose compiler or headers are missing is not even configured.
const wanted = modules.filter((m) => {
  const missing = m.probe();
  return missing ? without(m, missing) : true;
});
let built = wanted.filter(upToDate);
if (wanted.length > 0 && built.length < wanted.length) {
  // One configure for the modules that can be built, then one build per module, so that a module
  // that fails to compile leaves the other in place.
  const configured = gyp(
    ['clean', 'configure'],
    modules.map((m) => `-D${m.gyp}=${wanted.includes(m) ? 1 : 0}`),
  );
  built = wanted.filter((m) => {
    const failed = configured ?? gyp(['build'], [m.target]);
    if (failed || !existsSync(m.out)) return without(m, failed ?? `node-gyp wrote no ${m.out}`);
    say(`wrote ${m.out}`);
    return true;
  });
}
if (args.has('--strict') && built.length < modules.length) process.exit(1);
