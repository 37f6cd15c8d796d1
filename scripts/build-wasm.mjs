// Compiles the AssemblyScript SHA-256d kernel (assembly/sha256d.ts) to build/wasm/sha256d.wasm, and
// with --dist also copies it next to the compiled kernel loader (dist/mining/kernel/), which is
// where the published package finds it. Skips compiling when the output is newer than every
// source (--force compiles anyway). Writes through a temporary file and a rename, so parallel runs
// (jest workers) never see a half-written module.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sourceDir = join(root, 'assembly');
const entry = join(sourceDir, 'sha256d.ts');
const out = join(root, 'build', 'wasm', 'sha256d.wasm');
const distOut = join(root, 'dist', 'mining', 'kernel', 'sha256d.wasm');
const args = new Set(process.argv.slice(2));

function upToDate() {
  if (args.has('--force') || !existsSync(out)) return false;
  const built = statSync(out).mtimeMs;
  const inputs = [fileURLToPath(import.meta.url), ...readdirSync(sourceDir).map((f) => join(sourceDir, f))];
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

if (!upToDate()) {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `sha256d.${process.pid}.tmp.wasm`);
  const { main } = await import('assemblyscript/asc');
  const { error } = await main(
    [entry, '--outFile', tmp, '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd'],
    { stdout: process.stdout, stderr: process.stderr },
  );
  if (error) {
    rmSync(tmp, { force: true });
    process.stderr.write(`build-wasm: ${error.message}\n`);
    process.exit(1);
  }
  renameSync(tmp, out);
  process.stdout.write(`build-wasm: wrote ${out}\n`);
}
if (args.has('--dist')) {
  mkdirSync(dirname(distOut), { recursive: true });
  copyFileSync(out, distOut);
  process.stdout.write(`build-wasm: copied to ${distOut}\n`);
}
