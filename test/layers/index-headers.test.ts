/**
 * Every folder of src says what it is for and what it may import, at the top of its index.ts
 * (CONTRIBUTING.md, "Layers"): a layer's header names what it may import, a sub-folder's says
 * whose part it is, and a sub-folder without an index.ts is named in its parent's header.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => [join(dir, d.name), ...folders(join(dir, d.name))]);
}

/** The opening doc comment of a folder's index.ts, or undefined when it has none. */
function header(folder: string): string | undefined {
  const file = join(folder, 'index.ts');
  if (!existsSync(file)) return undefined;
  return /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'))?.[1];
}

const layers = readdirSync(SRC, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(SRC, d.name));
const subfolders = folders(SRC).filter((f) => dirname(f) !== SRC);

test('src has layers and sub-folders to check', () => {
  expect(layers.length).toBeGreaterThan(10);
  expect(subfolders.length).toBeGreaterThan(5);
});

test.each(layers.map((f) => [relative(SRC, f), f]))('src/%s/index.ts says what it is for and may import', (_, f) => {
  const text = header(f);
  expect(text).toBeDefined();
  expect(text).toMatch(new RegExp(`^\\s*\\* ${basename(f)}: \\S`));
  expect(text).toMatch(/May import: /);
});

test.each(subfolders.map((f) => [relative(SRC, f), f]))('src/%s is described', (_, f) => {
  const own = header(f);
  if (own !== undefined) {
    // Its own header: what it is for, and whose part it is (it may import what that layer may).
    expect(own).toMatch(new RegExp(`^\\s*\\* ${relative(SRC, f)}: \\S`));
    expect(own).toMatch(new RegExp(`Part of ${relative(SRC, dirname(f))}: may import`));
  } else {
    // No index.ts: its parent's header names it.
    expect(header(dirname(f)) ?? '').toContain(`${basename(f)}/`);
  }
});
