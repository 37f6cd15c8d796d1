/**
 * The node's explorer in headless Chromium, against real nodes: the page loads and shows the tip,
 * a txid found with the search box (by keyboard alone), its block opened; a block mined on the
 * node appears without a reload; after a partition heals, the losing node's block tree shows the
 * fork. Every page passes axe-core's WCAG A/AA rules; screenshots go to test/artifacts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cleanupAll, ensureBuilt, NodeProcess, waitFor, regtestKey } from '../e2e/node-helpers.js';
import { coinbaseAt, spend } from '../http/helpers.js';
import { accessibilityViolations, launch, recordFigure, screenshot, strictPage } from './browser.js';

beforeAll(() => ensureBuilt(), 360_000);

const COIN = 100_000_000n;
const alice = regtestKey('browser-alice');
const bob = regtestKey('browser-bob');
let browser: Browser;
let context: BrowserContext;
let node: NodeProcess;
let paid: string;

beforeAll(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  node = await NodeProcess.start({ args: ['--web'] });
  await node.call('generatetoaddress', 110, alice.address);
  const t = spend(
    [{ prev: await coinbaseAt(node, 1), index: 0, height: 1, owner: alice }],
    [
      { to: bob, value: 12n * COIN },
      { to: alice, value: 38n * COIN - 20_000n },
    ],
  );
  await node.call('sendrawtransaction', t.hex);
  await node.call('generatetoaddress', 1, alice.address);
  paid = t.txid;
  // One more in the mempool, for its page.
  const u = spend(
    [{ prev: await coinbaseAt(node, 2), index: 0, height: 2, owner: alice }],
    [{ to: bob, value: 49n * COIN }],
  );
  await node.call('sendrawtransaction', u.hex);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await cleanupAll();
});

const url = (n: NodeProcess, hash = '') => `http://127.0.0.1:${n.rpcPort}/${hash}`;

async function open(n: NodeProcess, hash = ''): Promise<{ page: Page; problems: string[] }> {
  const p = await strictPage(context);
  await p.page.goto(url(n, hash));
  return p;
}

test('the page loads with the tip and the latest blocks; first paint is recorded', async () => {
  const { page, problems } = await open(node);
  await page.locator('#tip-height').filter({ hasText: '111' }).waitFor();
  expect(await page.locator('#latest-blocks tbody tr').count()).toBe(15);
  expect(await page.locator('.live').textContent()).toBe('live');
  // Evaluated in the page (as text: this program is compiled without the DOM's types).
  const paint = await page.evaluate<{
    firstContentfulPaintMs?: number;
    domContentLoadedMs: number;
    transferredBytes: number;
  }>(`({
    firstContentfulPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    domContentLoadedMs: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    transferredBytes: performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0),
  })`);
  recordFigure('explorer-first-paint', { ...paint, note: 'headless Chromium on 127.0.0.1; measured, not asserted' });
  process.stdout.write(`explorer first contentful paint: ${paint.firstContentfulPaintMs?.toFixed(0)} ms\n`);
  await screenshot(page, 'explorer-home');
  expect(problems).toEqual([]);
  await page.close();
});

test('search a txid with the keyboard alone, then open its block', async () => {
  const { page, problems } = await open(node);
  await page.locator('#tip-height').waitFor();
  // Tab from the top of the page to the search box, type, Enter.
  for (let i = 0; i < 12 && (await page.evaluate<string | undefined>('document.activeElement?.id')) !== 'q'; i++)
    await page.keyboard.press('Tab');
  expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('q');
  await page.keyboard.type(paid);
  await page.keyboard.press('Enter');
  await page.locator('main table.facts').waitFor();
  expect(page.url()).toContain(`#/tx/${paid}`);
  expect(await page.locator('h1').textContent()).toBe('Transaction');
  const body = await page.locator('main').textContent();
  expect(body).toContain('1 confirmation in block');
  expect(body).toContain(alice.address);
  expect(body).toContain(bob.address);
  expect(body).toContain('12.00000000');
  expect(body).toContain('0.00020000'); // the fee, from the block's undo record
  await screenshot(page, 'explorer-tx');
  // The block link, by keyboard too.
  await page.locator('main a[href^="#/block/"]').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: 'Block 111' }).waitFor();
  await page.locator('ol.txs').waitFor();
  expect(await page.locator('.status').textContent()).toBe('This block is on the main chain.');
  expect(await page.locator('ol.txs > li').count()).toBe(2);
  // The heading takes the focus on a new page, for keyboard and screen-reader users.
  expect(await page.evaluate<string | undefined>('document.activeElement?.tagName')).toBe('H1');
  await screenshot(page, 'explorer-block');
  expect(problems).toEqual([]);
  await page.close();
});

test('a block mined on the node appears live, without a reload', async () => {
  const { page, problems } = await open(node);
  await page.locator('#tip-height').waitFor();
  const before = await page.locator('#tip-height').textContent();
  await page.evaluate('window.stillHere = true');
  const [hash] = await node.call<string[]>('generatetoaddress', 1, bob.address);
  const height = Number(before) + 1;
  await page.locator(`#latest-blocks tr.fresh[data-height="${height}"]`).waitFor();
  expect(await page.locator('#tip-height').textContent()).toBe(String(height));
  expect(await page.locator('#announcer').textContent()).toBe(`New block at height ${height}`);
  expect(await page.locator(`#latest-blocks tr[data-height="${height}"] td`).nth(1).textContent()).toBe(
    `${hash!.slice(0, 16)}…${hash!.slice(-4)}`,
  );
  // The same document: nothing reloaded.
  expect(await page.evaluate<boolean | undefined>('window.stillHere')).toBe(true);
  await screenshot(page, 'explorer-live-block');
  expect(problems).toEqual([]);
  await page.close();
});

test('after a partition heals, the losing node’s block tree shows the fork, live', async () => {
  const a = await NodeProcess.start({ args: ['--web'] });
  const { multiaddr } = await a.p2pAddress();
  const b = await NodeProcess.start({ args: ['--web', '--peer', multiaddr] });
  try {
    await a.call('generatetoaddress', 5, alice.address);
    await waitFor('b to have 5 blocks', async () => (await b.call<number>('getblockcount')) === 5, 90_000);
    const { page, problems } = await open(a, '#/tree');
    await page.locator('#tree-summary', { hasText: 'blocks from height' }).waitFor();
    // The partition: each bans the other (the way `testnet partition` cuts peers off).
    const ids = await Promise.all(
      [a, b].map((n) => n.call<{ peerid: string }>('getnetworkinfo').then((i) => i.peerid)),
    );
    await a.call('setban', ids[1], 'add', 3600);
    await b.call('setban', ids[0], 'add', 3600);
    await waitFor('a and b apart', async () => (await a.call<number>('getconnectioncount')) === 0, 90_000);
    await a.call('generatetoaddress', 2, alice.address);
    await b.call('generatetoaddress', 3, bob.address);
    await page.locator('svg g.block.main.tip').filter({ hasText: '7' }).waitFor();
    // The heal: bans lifted, the link made again; a takes b's heavier branch.
    await a.call('clearbanned');
    await b.call('clearbanned');
    await b.call('addnode', multiaddr, 'onetry');
    await waitFor(
      'a to reorganise to b',
      async () => (await a.call<string>('getbestblockhash')) === (await b.call<string>('getbestblockhash')),
      90_000,
    );
    await page.locator('svg g.block.side').nth(1).waitFor();
    expect(await page.locator('svg g.block.side').count()).toBe(2);
    expect(await page.locator('svg g.block.main.tip text').first().textContent()).toBe('8');
    expect(await page.locator('#tree-summary').textContent()).toMatch(/2 off the main chain/);
    await screenshot(page, 'explorer-tree-fork');
    expect(problems).toEqual([]);
    await page.close();
  } finally {
    await b.kill();
    await a.kill();
  }
});

test('every page passes axe-core’s WCAG 2.1 A and AA rules', async () => {
  const checked = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  try {
    const page = await checked.newPage();
    const block = await node.call<string>('getblockhash', 111);
    for (const [hash, ready] of <[string, string][]>[
      ['', '#tip-height'],
      [`#/block/${block}`, 'ol.txs'],
      [`#/tx/${paid}`, 'ol.io'],
      [`#/address/${bob.address}`, '#address-history'],
      ['#/mempool', '#mempool-txs'],
      ['#/peers', '#peers'],
      ['#/tree', 'svg'],
    ]) {
      await page.goto(url(node, hash));
      await page.locator(ready).first().waitFor();
      expect({ page: hash || '/', violations: await accessibilityViolations(page) }).toEqual({
        page: hash || '/',
        violations: [],
      });
    }
  } finally {
    await checked.close();
  }
});
