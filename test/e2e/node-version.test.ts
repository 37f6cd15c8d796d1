/**
 * Which Node runs powchain. In a checkout, `npx powchain` runs on the Node 24 that `npm install`
 * brought (the `node` devDependency), whatever Node runs npm itself: npm must not warn about its
 * own Node (npm 11 on Node 20 printed an EBADENGINE block per check). Started by a Node too old
 * for it, powchain says so in one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, childEnv, ensureBuilt, shellEnv, systemNode } from '../helpers/dist.js';

beforeAll(() => ensureBuilt(), 360_000);

test(`npx powchain with the system's npm (Node ${systemNode().version}) prints powchain's output and nothing of npm's`, () => {
  // A fresh npm cache: npx links the checkout into it the first time, which is when npm checks
  // the package's engines against its own Node.
  const cache = mkdtempSync(join(tmpdir(), 'powchain-npx-cache-'));
  try {
    const r = spawnSync('npx', ['powchain', '--version'], {
      cwd: ROOT,
      env: shellEnv({ npm_config_cache: cache, npm_config_update_notifier: 'false' }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: '0.1.0\n',
      stderr: '',
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}, 180_000);

test('started by a Node older than 22.12, powchain says which Node it needs in one line', () => {
  // This Node, reporting itself as 20.20.2 (the version of Debian's and of many CI images).
  const pretend =
    "Object.defineProperty(process.versions, 'node', { value: '20.20.2' });" +
    "Object.defineProperty(process, 'version', { value: 'v20.20.2' });";
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(pretend)}`, join(ROOT, 'bin', 'powchain'), '--version'],
    { cwd: ROOT, env: childEnv(), encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    'powchain: needs Node.js 22.12 or newer, and this is v20.20.2; in a checkout, run it as `npx powchain` (the Node 24 that npm install brought)\n',
  );
  // The same entry point on this Node runs.
  const ok = spawnSync(process.execPath, [join(ROOT, 'bin', 'powchain'), '--version'], {
    cwd: ROOT,
    env: childEnv(),
    encoding: 'utf8',
  });
  expect({ status: ok.status, stdout: ok.stdout }).toEqual({ status: 0, stdout: '0.1.0\n' });
});
