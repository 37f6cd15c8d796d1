/**
 * powchain as an outside project sees it: a scratch project in a temp directory installs the
 * package by path (`npm install <repo>`, which links the folder), then real Node processes
 * import it by name. One script uses every export external tools depend on with real vectors;
 * then every ```js example in docs/library.md runs as it stands, so the docs cannot rot.
 *
 * Runs against dist/ (the package's "exports"): builds it first when it is missing, or older
 * than a file in src/ (a checkout whose sources changed since the last build would otherwise
 * test yesterday's code). CI's `npm install` builds it (prepare) before `npm test`.
 */
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemNode } from '../helpers/dist.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures');
const LIBRARY_MD = join(ROOT, 'docs', 'library.md');
const CHECK_SCRIPT = fileURLToPath(new URL('./scratch/check-exports.mjs', import.meta.url));

/**
 * Child processes (npm included: its shebang is `env node`) run on the Node running jest, without
 * jest's NODE_OPTIONS (--experimental-vm-modules is not something an outside project has).
 */
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};
delete ENV.NODE_OPTIONS;

let scratch = '';

/** dist/index.js is missing, or some source file changed after it was built. */
function distIsStale(): boolean {
  const built = join(ROOT, 'dist', 'index.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const src = join(ROOT, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' }).some((f) => statSync(join(src, f)).mtimeMs > builtAt);
}

function run(cmd: string, args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', timeout });
}

function describeFailure(what: string, r: SpawnSyncReturns<string>): string {
  return `${what} failed (status ${r.status}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''})\n${r.stdout}\n${r.stderr}`;
}

/** Run `file` with this Node (or `node`) in the scratch project; resolves with the outcome, never rejects. */
function runNode(
  file: string,
  args: string[] = [],
  node = process.execPath,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      node,
      [file, ...args],
      { cwd: scratch, env: ENV, encoding: 'utf8', timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr: stderr || (err && code === null ? String(err) : '') });
      },
    );
  });
}

/** The ```js blocks of a markdown file, in order, with the line each starts on. */
function jsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```js') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

beforeAll(() => {
  if (distIsStale()) {
    const build = run('npm', ['run', 'build'], ROOT, 300_000);
    if (build.status !== 0) throw new Error(describeFailure('npm run build', build));
  }
  scratch = mkdtempSync(join(tmpdir(), 'powchain-library-'));
  writeFileSync(join(scratch, 'package.json'), '{"type":"module"}\n');
  // An install by path links the checkout. --ignore-scripts: npm would otherwise run powchain's
  // `prepare` (a full rebuild of dist/) under the feet of other test files; --no-audit: no
  // registry round trip; --install-links=false: link even where an npm defaults to packing.
  const install = run(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--install-links=false', ROOT],
    scratch,
    120_000,
  );
  if (install.status !== 0) throw new Error(describeFailure(`npm install ${ROOT}`, install));
}, 360_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the scratch project depends on powchain by path', () => {
  const pkg = JSON.parse(readFileSync(join(scratch, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  expect(pkg.dependencies?.powchain).toMatch(/^file:/);
  expect(existsSync(join(scratch, 'node_modules', 'powchain', 'package.json'))).toBe(true);
});

test('an outside script uses every required export on real data', async () => {
  const script = join(scratch, 'check-exports.mjs');
  copyFileSync(CHECK_SCRIPT, script);
  const r = await runNode(script, [FIXTURES]);
  if (r.code !== 0) throw new Error(`check-exports.mjs exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const out = JSON.parse(lines[0]!) as Record<string, unknown> & {
    networks: Record<string, { genesisHash: string; powLimitBits: number; algorithm: string }>;
  };

  expect(out.ok).toBe(true);
  expect(out.node).toBe(process.version);
  expect(out.sha256d).toBeGreaterThan(0);
  expect(out.bitcoinGenesisHash).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  expect(out.bitcoinGenesisTime).toBe(1231006505);
  expect(out.headers).toBeGreaterThan(256);
  expect(out.chainTip).toBe('00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c'); // mainnet block 255
  expect(out.merkleCases).toBeGreaterThanOrEqual(6);
  expect(out.merkle100000).toBe('f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766');
  expect(out.mutatedDetected).toBe(true);
  expect(out.target1d00ffff).toBe('ffff' + '0'.repeat(52));
  expect(out.roundTrip1d00ffff).toBe(0x1d00ffff);
  expect(out.blockWork1d00ffff).toBe('0x100010001');
  expect(out.powCases).toBeGreaterThan(0);
  expect(out.asertRows).toBeGreaterThan(2000);
  expect(out.asertRun06Row2).toBe(0x1802ad91);
  expect(out.retargetCases).toBe(4);
  expect(out.networks).toEqual({
    main: {
      genesisHash: '000000bf4228ee5964ee36f9dfabd7b0e9df4631f0a116ee678bfefda389b995',
      powLimitBits: 0x1e01ffff,
      algorithm: 'asert',
    },
    testnet: {
      genesisHash: '000000829ad19f1e640f637fd687eed2a4b4b8708734b8662840ea15f451bb0a',
      powLimitBits: 0x1e01ffff,
      algorithm: 'asert',
    },
    regtest: {
      genesisHash: '665f29a7c3023a8263fa604cb8cf08f67f4b206338b1e2ace370aefd4bb5789a',
      powLimitBits: 0x207fffff,
      algorithm: 'fixed',
    },
  });
  expect(out.regtestGenesisMatches).toBe(true);
  // 4 + 1 + (32 + 4 + 1 + 97) + 1 + 28 + 4: one signed input, one output.
  expect(out.txBytes).toBe(172);
  expect(out.txid).toMatch(/^[0-9a-f]{64}$/);
  expect(out.blockTxs).toBe(2);
});

// package.json's engines say >=20: the library works there, and only the powchain program needs
// 22.12 (bin/powchain says so when started on less). The system's Node is the one that runs npm
// in a checkout (20 on this project's machines and Debian's): an outside project on it imports
// the library and checks every export against the vectors.
test(`the library runs on the system's Node too (${systemNode().version})`, async () => {
  const script = join(scratch, 'check-exports.mjs');
  copyFileSync(CHECK_SCRIPT, script);
  const node = systemNode();
  const r = await runNode(script, [FIXTURES], node.path);
  if (r.code !== 0) throw new Error(`check-exports.mjs on ${node.path} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim()) as { ok: boolean; node: string; asertRows: number };
  expect(out).toMatchObject({ ok: true, node: node.version });
  expect(out.asertRows).toBeGreaterThan(2000);
});

test('every runtime export of the package is documented in docs/library.md', async () => {
  const lister = join(scratch, 'list-exports.mjs');
  writeFileSync(
    lister,
    "import * as powchain from 'powchain';\nprocess.stdout.write(JSON.stringify(Object.keys(powchain)));\n",
  );
  const r = await runNode(lister);
  if (r.code !== 0) throw new Error(`list-exports.mjs exited ${r.code}\n${r.stderr}`);
  const names = JSON.parse(r.stdout) as string[];
  expect(names.length).toBeGreaterThan(50);
  const doc = readFileSync(LIBRARY_MD, 'utf8');
  const undocumented = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(doc));
  expect(undocumented).toEqual([]);
});

test('every js example in docs/library.md runs and passes its own assertions', async () => {
  const blocks = jsBlocks(readFileSync(LIBRARY_MD, 'utf8'));
  expect(blocks.length).toBeGreaterThanOrEqual(10);
  const results = await Promise.all(
    blocks.map(async ({ line, code }, i) => {
      const file = join(scratch, `library-example-${i + 1}.mjs`);
      writeFileSync(file, code);
      return { line, ...(await runNode(file)) };
    }),
  );
  const failures = results
    .filter((r) => r.code !== 0)
    .map((r) => `docs/library.md:${r.line} exited ${r.code}\n${r.stderr}`);
  expect(failures).toEqual([]);
});
