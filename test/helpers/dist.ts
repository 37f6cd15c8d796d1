import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests that run the CLI or the built library need dist/ there). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The environment for child processes: the repo's Node first on PATH, without jest's NODE_OPTIONS. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    ...extra,
  };
  delete env.NODE_OPTIONS;
  return env;
}

/** Whether a file under `dir` (of the repository) changed after `builtAt`. */
function newerThan(dir: string, builtAt: number): boolean {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).some(
    (f) => statSync(join(ROOT, dir, f)).mtimeMs > builtAt,
  );
}

function distIsStale(): boolean {
  // src/ compiles to dist/ (tsc), ui/ to dist/ui/ (esbuild; it imports only types from src/). Each
  // output is compared with its own sources: build-ui.mjs skips when dist/ui is newer than ui/, so
  // an edit in src/ never refreshes dist/ui, and compared with src/ it would stay stale for good
  // (every e2e suite then rebuilt dist/ again).
  const outputs: [string, string[]][] = [
    ['src', [join(ROOT, 'dist', 'cli', 'main.js'), join(ROOT, 'dist', 'index.js')]],
    ['ui', [join(ROOT, 'dist', 'ui', 'explorer.js')]],
  ];
  return outputs.some(([dir, built]) => {
    if (!built.every((f) => existsSync(f))) return true;
    return newerThan(dir, Math.min(...built.map((f) => statSync(f).mtimeMs)));
  });
}

/**
 * Build dist/ when it is missing or older than src/ (CI builds it at install; a developer may
 * have edited since). One build at a time across jest workers, with a lock file in tmpdir; a
 * lock older than the timeout is left over from a killed run and is taken over.
 */
export async function ensureBuilt(timeoutMs = 300_000): Promise<void> {
  const lock = join(
    tmpdir(),
    `powchain-e2e-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + timeoutMs;
  while (distIsStale()) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > timeoutMs) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another build of dist/ (lock ${lock})`);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      closeSync(fd);
      if (!distIsStale()) return;
      const r = spawnSync('npm', ['run', 'build'], {
        cwd: ROOT,
        env: childEnv({ HOME: tmpdir() }),
        encoding: 'utf8',
        timeout: timeoutMs,
      });
      if (r.status !== 0)
        throw new Error(`npm run build failed (status ${r.status}, signal ${r.signal})\n${r.stdout}\n${r.stderr}`);
      return;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

/**
 * The environment a person's shell has outside npm: PATH without any node_modules/.bin (where
 * `npm run` put the Node 24 of the `node` devDependency), without jest's NODE_OPTIONS. There,
 * `node`, `npm` and `npx` are the system's, whatever their version.
 */
export function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && !d.split(/[\\/]/).includes('node_modules') && resolve(d) !== dirname(process.execPath))
    .join(delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** The system's `node` (the one that runs npm in a person's shell) and its version. */
export function systemNode(): { path: string; version: string } {
  const env = shellEnv();
  const which = spawnSync('sh', ['-c', 'command -v node'], { env, encoding: 'utf8' });
  const path = which.stdout.trim();
  if (which.status !== 0 || !path) throw new Error(`no node on the PATH outside node_modules: ${env.PATH}`);
  const version = spawnSync(path, ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  return { path, version };
}
