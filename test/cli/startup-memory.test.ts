/**
 * startup-memory.ts holds V8's young-generation growth and its optimizing compilers while a node
 * starts, and gives both back afterwards. Checked on the Node that runs powchain, in a child
 * process that can ask V8 directly (--allow-natives-syntax): the flags exist and do what the
 * module says, and a user's own choice of them is left alone.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnv, ensureBuilt, ROOT } from '../helpers/dist.js';

beforeAll(() => ensureBuilt(), 360_000);

/** Runs `body` as an ES module in a child with the built module imported as `m`; its JSON output. */
function child(body: string, flags: string[] = []): Record<string, unknown> {
  const url = pathToFileURL(join(ROOT, 'dist', 'cli', 'startup-memory.js')).href;
  const source = `import v8 from 'node:v8';\nconst m = await import(${JSON.stringify(url)});\n${body}`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', source], {
    env: childEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  // V8 prints "unrecognized flag" on stderr when a flag this module sets does not exist.
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

// Shared by the children: a function made hot, V8's optimization status bits (16: optimized by
// any optimizing tier), and objects that survive scavenges (what grows the young generation).
const HELPERS = `
function hot(x) { let s = 0; for (let i = 0; i < 50; i++) s = (s + i * x) | 0; return s; }
const heat = () => { for (let i = 0; i < 300000; i++) hot(i); };
const optimized = () => (%GetOptimizationStatus(hot) & 16) !== 0;
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const keep = [];
const survive = () => { for (let i = 0; i < 400000; i++) keep.push({ i, s: 'x' + i }); };
`;

test('while held, hot code is not optimized and the young generation stays small; released, both resume', () => {
  const r = child(`${HELPERS}
m.holdStartupGrowth();
const held = m.startupGrowthHeld();
const newBefore = newSpace();
heat(); survive();
const duringOptimized = optimized();
const duringNew = newSpace();
m.releaseStartupGrowth();
%PrepareFunctionForOptimization(hot);
heat(); heat();
survive(); survive();
console.log(JSON.stringify({ held, released: !m.startupGrowthHeld(), newBefore, duringOptimized, duringNew, afterOptimized: optimized(), afterNew: newSpace() }));
`);
  expect(r.held).toBe(true);
  expect(r.released).toBe(true);
  expect(r.duringOptimized).toBe(false);
  // The young generation did not grow while held (it may start at one or two semi-space pages),
  expect(r.duringNew).toBeLessThanOrEqual(Math.max(Number(r.newBefore), 2 * 1024 * 1024));
  // and grows again with work once released; hot code is optimized again.
  expect(Number(r.afterNew)).toBeGreaterThan(Number(r.duringNew));
  expect(r.afterOptimized).toBe(true);
});

test("a user's own V8 flags are left alone", () => {
  for (const flag of ['--no-turbofan', '--maglev', '--semi-space-growth-factor=4']) {
    const r = child(`m.holdStartupGrowth(); console.log(JSON.stringify({ held: m.startupGrowthHeld() }));`, [flag]);
    expect([flag, r.held]).toEqual([flag, false]);
  }
});
