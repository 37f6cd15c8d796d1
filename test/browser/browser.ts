/**
 * Headless Chromium for the browser suite, driven by playwright-core: Debian's `chromium` package
 * (playwright downloads no browser here). Missing, the suite fails at once and says how to
 * install it; it is never skipped. Screenshots and the first-paint figures go to test/artifacts/
 * (kept by CI as the suite's artefacts; the ones in docs/images come from there).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../e2e/node-helpers.js';

export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

/** Where the browser is: POWCHAIN_CHROMIUM, else Debian's package. */
export function chromiumPath(): string {
  const path = process.env.POWCHAIN_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `no Chromium at ${path}: the browser suite drives Debian's chromium package. Install it with ` +
        `'apt-get install -y chromium' (.ci/run does), or point POWCHAIN_CHROMIUM at a Chromium binary.`,
    );
  return path;
}

export async function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

/**
 * A page that fails the test on any script error or console error (a refused Content Security
 * Policy included: the pages must work under the policy the server sends).
 */
export async function strictPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  // Generous on a loaded machine (other jobs share its two cores): waits end as soon as they hold.
  page.setDefaultTimeout(90_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(join(ARTIFACTS, 'screenshots'), { recursive: true });
  const path = join(ARTIFACTS, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Record a measured figure (not asserted: speed is measured, never a test condition). */
export function recordFigure(name: string, value: unknown): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Run axe-core's WCAG 2.x A and AA rules (contrast, names, labels, landmarks, keyboard focus...)
 * on the page as it is now. The page's policy forbids injected scripts, so this runs in a context
 * opened with `bypassCSP` (the strict pages check the policy itself).
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate<{ violations: unknown[] }>(
    `axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
  );
  return (result.violations as { id: string; help: string; nodes: { target: string[] }[] }[]).map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}
