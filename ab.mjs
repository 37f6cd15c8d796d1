const A = (await import(process.argv[2])).createTsKernel();
const B = (await import(process.argv[3])).createTsKernel();
const hb = new Uint8Array(80).fill(3);
let n = 0; const chunk = 1 << 16;
function run(k, ms) { let c = 0; const t0 = performance.now(); while (performance.now() - t0 < ms) { k.scan(hb, 0n, n, chunk); n += chunk; c += chunk; } return c / (performance.now() - t0) / 1000; }
run(A, 1500); run(B, 1500);
let ra = 0, rb = 0; const res = [];
for (let i = 0; i < 10; i++) { const a = run(A, 400), b = run(B, 400); ra += a; rb += b; res.push((b / a).toFixed(2)); }
console.log('A', (ra / 10).toFixed(2), 'B', (rb / 10).toFixed(2), 'ratios', res.join(' '));
