/**
 * scripts/build-native.mjs never fails an install: a machine whose compiler lacks a header or a
 * feature gets the modules it can build, a line saying why for each one it cannot, and exit 0.
 * Each case builds a copy of native/ in a temporary directory, with CC set to a compiler that
 * lacks something, and the real node-gyp where a module can be built.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/mining/kernel/index.js';

const root = packageRoot()!;
const dirs: string[] = [];

/** A copy of native/ without its build output, and a place for a fake compiler. */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'powchain-build-native-'));
  dirs.push(dir);
  cpSync(join(root, 'native'), join(dir, 'native'), { recursive: true, filter: (src) => !src.includes('/build') });
  return dir;
}

function build(dir: string, cc: string, ...flags: string[]) {
  const run = spawnSync(
    process.execPath,
    [join(root, 'scripts/build-native.mjs'), '--dir', join(dir, 'native'), ...flags],
    {
      env: { ...process.env, CC: cc },
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  const out = (name: string) => existsSync(join(dir, 'native', 'build', 'Release', `${name}.node`));
  return {
    status: run.status,
    stdout: run.stdout,
    verify: out('powchain_verify'),
    mine: out('powchain_mine'),
    memory: out('powchain_memory'),
  };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('without a C compiler nothing is built, each module says why, and the install goes on', () => {
  const r = build(sandbox(), 'false');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/powchain_verify: libsecp256k1's headers were not found .*skipped\. .*bundled libsecp256k1/);
  expect(r.stdout).toMatch(
    /powchain_mine: false could not compile the SHA-extension kernel .*skipped\. .*WebAssembly kernel/,
  );
  expect(r.stdout).toMatch(/powchain_memory: false could not compile malloc_trim .*skipped\. .*V8 still collects/);
  expect([r.verify, r.mine, r.memory]).toEqual([false, false, false]);
});

test('--strict makes a module that is not built an error', () => {
  expect(build(sandbox(), 'false', '--strict').status).toBe(1);
});

/** A cc that fails on any source file matching `pattern` (a shell case pattern), with `message`. */
function ccRefusing(dir: string, pattern: string, message: string): string {
  const cc = join(dir, 'cc-refusing');
  writeFileSync(
    cc,
    `#!/bin/sh\nfor a; do case "$a" in ${pattern}) echo "${message}" >&2; exit 1;; esac; done\nexec cc "$@"\n`,
  );
  chmodSync(cc, 0o755);
  return cc;
}

const hasSecp = spawnSync('cc -E -x c -', { shell: true, input: '#include <secp256k1.h>\n' }).status === 0;

test('a compiler that cannot build the SHA kernel still gets the other module', () => {
  const dir = sandbox();
  // As an old compiler without the SHA intrinsics would.
  const r = build(dir, ccRefusing(dir, '*sha256d_scan.c', 'no SHA intrinsics'));
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(
    /powchain_mine: .* could not compile the SHA-extension kernel \(no SHA intrinsics\); skipped/,
  );
  expect(r.mine).toBe(false);
  expect(r.memory).toBe(true);
  // The verifier is built wherever libsecp256k1's headers are installed, and says why where not.
  expect(r.verify).toBe(hasSecp);
  if (!hasSecp) expect(r.stdout).toMatch(/powchain_verify: libsecp256k1's headers were not found/);
}, 240_000);

test('a module that fails in the build itself is dropped alone', () => {
  const dir = sandbox();
  // The probe compiles only the kernel; the glue then fails under node-gyp.
  const r = build(dir, ccRefusing(dir, '*mine.c', 'broken glue'));
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/powchain_mine: node-gyp build failed: exit status \d+, output above; skipped/);
  expect(r.mine).toBe(false);
  expect(r.verify).toBe(hasSecp);
}, 240_000);
