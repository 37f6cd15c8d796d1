// Hand-run benchmark: hashes/s of the kernels and the pool (run from dist/ after npm run build).
import { availableParallelism } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
const { loadKernel } = await import('/work/main/dist/mining/kernel/index.js');
const { HasherPool } = await import('/work/main/dist/mining/hasher/index.js');
const header = new Uint8Array(80).fill(7);
const view = new DataView(header.buffer);
function noble(ms) {
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < ms) { for (let i = 0; i < 1000; i++) { view.setUint32(76, n++, true); sha256(sha256(header)); } }
  return n / (performance.now() - t0) * 1000;
}
function kernelRate(k, ms) {
  let n = 0; const t0 = performance.now(); const chunk = 1 << 18;
  while (performance.now() - t0 < ms) { k.scan(header, 0n, n, chunk); n += chunk; }
  return n / (performance.now() - t0) * 1000;
}
const M = (x) => (x / 1e6).toFixed(2) + ' M/s';
noble(500); console.log('noble sha256d per nonce:', M(noble(3000)));
for (const name of ['typescript', 'wasm-simd']) { const k = loadKernel(name); kernelRate(k, 2000); console.log(name, 'kernel:', M(kernelRate(k, 4000))); }
for (const threads of [1, availableParallelism()]) {
  const pool = await HasherPool.create({ threads });
  await pool.search(header, 0n, { signal: AbortSignal.timeout(2000) });
  const t0 = performance.now();
  const r = await pool.search(header, 0n, { signal: AbortSignal.timeout(5000) });
  console.log(`pool ${pool.kernel} x${threads}:`, M(r.hashes / (performance.now() - t0) * 1000), 'hashRate()', M(pool.hashRate()));
  await pool.close();
}
