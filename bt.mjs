const { createTsKernel } = await import(process.argv[2]);
const k = createTsKernel();
const hb = new Uint8Array(80).fill(3);
let n = 0; const chunk = 1 << 18;
let t0 = performance.now();
while (performance.now() - t0 < 2000) { k.scan(hb, 0n, n, chunk); n += chunk; }
const rs = [];
for (let r = 0; r < 4; r++) { let c = 0; t0 = performance.now(); while (performance.now() - t0 < 1000) { k.scan(hb, 0n, n, chunk); n += chunk; c += chunk; } rs.push((c / (performance.now() - t0) / 1000).toFixed(2)); }
console.log(process.argv[3], rs.join(' '));
