/**
 * The testnet dashboard in headless Chromium: `powchain testnet up --dashboard` as a user runs it
 * (3 regtest peers), blocks mined on one peer reach the others in the propagation table, a
 * partition shows as a fault and two groups, the side that loses is marked on another branch,
 * and after the heal its reorganisation is on the timeline while the tree keeps its old blocks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { BIN, closeAll, ensureBuilt, ROOT, sleep, Testnet } from '../testnet/helpers.js';
import { launch, screenshot, strictPage } from './browser.js';

beforeAll(() => ensureBuilt(), 360_000);

let browser: Browser;
beforeAll(async () => (browser = await launch()));
afterAll(async () => {
  await browser?.close();
  await closeAll();
}, 60_000);

test('up --dashboard: propagation, a partition and its heal, in the browser', async () => {
  const t = await Testnet.create('dash-browser', 3, 'regtest', 1);
  let up: ChildProcess | undefined;
  try {
    const port = t.basePort + 2 * 3; // the extra port reserved after the peers'
    up = spawn(
      process.execPath,
      [
        BIN,
        'testnet',
        'up',
        '--dir',
        t.dir,
        '--network',
        'regtest',
        '--nodes',
        '3',
        '--miners',
        '0',
        '--base-port',
        String(t.basePort),
        '--dashboard',
        '--dashboard-port',
        String(port),
      ],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    up.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    up.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const end = Date.now() + 120_000;
    while (!out.includes('dashboard: http://') && Date.now() < end) await sleep(200);
    expect(out).toContain(`dashboard: http://127.0.0.1:${port}/`);

    const { page, problems } = await strictPage(await browser.newContext({ viewport: { width: 1280, height: 1100 } }));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#verdict', { hasText: 'All 3 running peers agree' }).waitFor({ timeout: 90_000 });

    await t.cli(['mine', '0', '3']);
    await page.locator('#verdict', { hasText: 'at height 3' }).waitFor({ timeout: 90_000 });
    // Three rows of arrivals, each first at peer 0 and then at both others.
    const rows = page.locator('#dash-propagation tbody tr');
    await page.waitForFunction(
      `[...document.querySelectorAll('#dash-propagation tbody tr')].slice(0, 3).every((r) => ![...r.querySelectorAll('td.delay')].some((c) => c.textContent === '—'))`,
      undefined,
      { timeout: 90_000 },
    );
    // Peer 0 mined it: it had it first (its cell says so; a peer that had it in the same
    // millisecond would too).
    expect(await rows.nth(0).locator('td.delay').nth(0).textContent()).toBe('first');

    await t.cli(['partition', '0']);
    await page.locator('#verdict', { hasText: 'Partitioned: [0] | [1,2]' }).waitFor({ timeout: 90_000 });
    await page.locator('#verdict', { hasText: 'Faults in effect: partition' }).waitFor();
    await t.cli(['mine', '0', '2']);
    await t.cli(['mine', '1', '3']);
    await page.locator('#verdict', { hasText: 'On another branch: peer 0' }).waitFor({ timeout: 90_000 });
    await screenshot(page, 'dashboard-partitioned');

    await t.cli(['heal']);
    await page.locator('#verdict', { hasText: 'All 3 running peers agree on the tip at height 6' }).waitFor({
      timeout: 90_000,
    });
    await page.locator('.timeline text', { hasText: 'reorg 2' }).waitFor({ timeout: 90_000 });
    // The partition is over: shown on the timeline, no longer in effect.
    expect(await page.locator('.timeline .fault').count()).toBe(1);
    expect(await page.locator('.timeline .fault text').textContent()).not.toContain('in effect');
    // The shared tree keeps peer 0's two abandoned blocks beside the main chain; every tip is marked.
    expect(await page.locator('.tree g.block.side').count()).toBe(2);
    expect(await page.locator('.tree text.mark').allTextContents()).toEqual(['P0', 'P1', 'P2']);
    await screenshot(page, 'dashboard');
    expect(problems).toEqual([]);
  } finally {
    up?.kill('SIGINT');
    if (up && up.exitCode === null) await new Promise((r) => up!.once('exit', r));
    await t.close();
  }
});
