// Builds the web pages (ui/: Preact components in TSX) into dist/ui/ with esbuild: one bundle per
// page (explorer.js for the node's page, dashboard.js for the testnet's), the HTML and the style
// sheet. Everything the pages load ships in the package: no CDN at run time. Skips building when
// dist/ui is newer than every source (--force builds anyway). Builds into a temporary directory
// and renames it into place, so a node serving the pages never reads a half-written build.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'ui');
const out = join(root, 'dist', 'ui');
const stamp = join(out, 'explorer.js');

function newestSource() {
  const files = readdirSync(source, { recursive: true }).map((f) => join(source, f));
  return Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, ...files.map((f) => statSync(f).mtimeMs));
}

if (!process.argv.includes('--force') && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource())
  process.exit(0);

const { build } = await import('esbuild');
mkdirSync(dirname(out), { recursive: true });
const tmp = join(dirname(out), `ui.${process.pid}.tmp`);
rmSync(tmp, { recursive: true, force: true });
try {
  const result = await build({
    entryPoints: { explorer: join(source, 'explorer', 'main.tsx'), dashboard: join(source, 'dashboard', 'main.tsx') },
    outdir: tmp,
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: false,
    // Browsers of the last few years; Debian's chromium is far newer.
    target: ['chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  for (const f of ['explorer.html', 'dashboard.html', 'style.css', 'favicon.svg'])
    cpSync(join(source, f), join(tmp, f));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => f.endsWith('.js'))
    .map(([f, o]) => `${f.split('/').at(-1)} ${(o.bytes / 1024).toFixed(1)} kB`);
  process.stdout.write(`build-ui: wrote ${out} (${sizes.join(', ')})\n`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`build-ui: ${err.message}\n`);
  process.exit(1);
}
