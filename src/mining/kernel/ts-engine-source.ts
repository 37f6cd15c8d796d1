import { IV, K } from '../../crypto/sha256-constants.js';

/*
 * Generates the JavaScript source of the pure-JS scan engine (see ScanEngine in types.ts).
 *
 * Why generate: the two compressions per nonce are fully unrolled with constants folded in, and a
 * tiny symbolic evaluator sorts every intermediate value into one of three kinds:
 *   literal  known now (padding words, IV, K): folded into a single number literal;
 *   scan     depends only on the header's first 76 bytes: computed once per scan in prepare()
 *            (this covers the midstate, rounds 0..2 of the second block, W16, W17 and the constant
 *            halves of later sums);
 *   nonce    depends on the nonce: emitted as a local in the per-nonce functions.
 * The result is a string so the same code runs on the main thread (via new Function) and inside
 * worker threads, which cannot import TypeScript modules when the tests run from src/.
 * Each per-nonce function stays ~20 KB of source, well below the size V8 refuses to optimize.
 */

const enum Kind {
  Literal = 0,
  Scan = 1,
  Nonce = 2,
}

interface Val {
  readonly kind: Kind;
  /** A JS expression (an identifier once bound). */
  readonly code: string;
  /** The value when kind is Literal. */
  readonly lit: number;
}

const IDENT = /^[a-z]\w*$/;
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

class Generator {
  readonly scanVars: string[] = [];
  readonly pre: string[] = [];
  body: string[] = [];
  private next = 0;

  lit(v: number): Val {
    return { kind: Kind.Literal, code: String(v | 0), lit: v | 0 };
  }

  ref(kind: Kind, name: string): Val {
    return { kind, code: name, lit: 0 };
  }

  /** Gives a non-literal value a name: a closure variable set in prepare(), or a local const. */
  bind(v: Val): Val {
    if (v.kind === Kind.Literal || IDENT.test(v.code)) return v;
    const name = (v.kind === Kind.Scan ? 'c' : 'v') + this.next++;
    if (v.kind === Kind.Scan) {
      this.scanVars.push(name);
      this.pre.push(`${name} = ${v.code};`);
    } else {
      this.body.push(`const ${name} = ${v.code};`);
    }
    return this.ref(v.kind, name);
  }

  add(...vals: Val[]): Val {
    let litSum = 0;
    const scans: string[] = [];
    const nonces: string[] = [];
    for (const v of vals) {
      if (v.kind === Kind.Literal) litSum = (litSum + v.lit) | 0;
      else (v.kind === Kind.Scan ? scans : nonces).push(v.code);
    }
    const constTerms = litSum === 0 ? scans : [...scans, String(litSum)];
    if (scans.length === 0 && nonces.length === 0) return this.lit(litSum);
    if (nonces.length === 0) {
      return constTerms.length === 1 && scans.length === 1
        ? this.ref(Kind.Scan, scans[0]!)
        : { kind: Kind.Scan, code: `(${constTerms.join(' + ')}) | 0`, lit: 0 };
    }
    // The constant half of a per-nonce sum is hoisted into prepare() as one closure variable.
    const single = constTerms.length === 1 && IDENT.test(constTerms[0]!);
    const terms =
      scans.length > 0 && !single
        ? [this.bind({ kind: Kind.Scan, code: `(${constTerms.join(' + ')}) | 0`, lit: 0 }).code]
        : constTerms;
    if (terms.length === 0 && nonces.length === 1) return this.ref(Kind.Nonce, nonces[0]!);
    return { kind: Kind.Nonce, code: `(${[...terms, ...nonces].join(' + ')}) | 0`, lit: 0 };
  }

  /** x rotated right by r1, r2 and r3 (or shifted right by r3 when shift), xor-ed together. */
  sigma(v: Val, r1: number, r2: number, r3: number, shift: boolean): Val {
    if (v.kind === Kind.Literal) {
      return this.lit(rotr(v.lit, r1) ^ rotr(v.lit, r2) ^ (shift ? v.lit >>> r3 : rotr(v.lit, r3)));
    }
    const x = this.bind(v).code;
    const r = (n: number): string => `(${x} >>> ${n} | ${x} << ${32 - n})`;
    return { kind: v.kind, code: `(${r(r1)} ^ ${r(r2)} ^ ${shift ? `(${x} >>> ${r3})` : r(r3)})`, lit: 0 };
  }

  /** f(x, y, z) bitwise: literal inputs fold, others are bound and combined with `pattern`. */
  bitwise(
    x: Val,
    y: Val,
    z: Val,
    fold: (a: number, b: number, c: number) => number,
    pattern: (a: string, b: string, c: string) => string,
  ): Val {
    if (x.kind === Kind.Literal && y.kind === Kind.Literal && z.kind === Kind.Literal) {
      return this.lit(fold(x.lit, y.lit, z.lit));
    }
    const [a, b, c] = [this.bind(x), this.bind(y), this.bind(z)];
    return { kind: Math.max(a.kind, b.kind, c.kind) as Kind, code: pattern(a.code, b.code, c.code), lit: 0 };
  }

  ch(e: Val, f: Val, g: Val): Val {
    return this.bitwise(
      e,
      f,
      g,
      (x, y, z) => z ^ (x & (y ^ z)),
      (x, y, z) => `(${z} ^ (${x} & (${y} ^ ${z})))`,
    );
  }

  maj(a: Val, b: Val, c: Val): Val {
    return this.bitwise(
      a,
      b,
      c,
      (x, y, z) => (x & y) | (z & (x | y)),
      (x, y, z) => `((${x} & ${y}) | (${z} & (${x} | ${y})))`,
    );
  }

  /** One SHA-256 round; the state rotates by renaming, so no value is ever moved. */
  round(st: readonly Val[], i: number, w: Val): Val[] {
    const [a, b, c, d, e, f, g, h] = st as [Val, Val, Val, Val, Val, Val, Val, Val];
    const t1 = this.bind(this.add(h, this.sigma(e, 6, 11, 25, false), this.ch(e, f, g), this.lit(K[i]!), w));
    const t2 = this.add(this.sigma(a, 2, 13, 22, false), this.maj(a, b, c));
    return [this.bind(this.add(t1, t2)), a, b, c, this.bind(this.add(d, t1)), e, f, g];
  }

  /** W[i] of the message schedule, computed lazily so its live range starts where it is used. */
  schedule(w: Val[], i: number): Val {
    if (i >= 16 && w[i] === undefined) {
      w[i] = this.bind(
        this.add(
          this.sigma(w[i - 2]!, 17, 19, 10, true),
          w[i - 7]!,
          this.sigma(w[i - 15]!, 7, 18, 3, true),
          w[i - 16]!,
        ),
      );
    }
    return w[i]!;
  }
}

const BSWAP = (x: string): string =>
  `((${x} << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;

/** The first hash's second block (header bytes 64..79 + padding) from the midstate: writes D. */
function genFirst(g: Generator): string {
  g.body = [`const w3 = ${BSWAP('n')};`];
  const w: Val[] = [
    g.ref(Kind.Scan, 'x0'),
    g.ref(Kind.Scan, 'x1'),
    g.ref(Kind.Scan, 'x2'),
    g.ref(Kind.Nonce, 'w3'),
    g.lit(0x80000000),
    ...Array.from({ length: 10 }, () => g.lit(0)),
    g.lit(640),
  ];
  const mid = Array.from({ length: 8 }, (_, i) => g.ref(Kind.Scan, `m${i}`));
  let st: Val[] = mid;
  for (let i = 0; i < 64; i++) st = g.round(st, i, g.schedule(w, i));
  for (let i = 0; i < 8; i++) g.body.push(`D[${i}] = ${g.add(mid[i]!, st[i]!).code};`);
  return `function first(n) {\n${g.body.join('\n')}\n}`;
}

/** The second hash (of the 32-byte digest in D) and the target comparison; true on a hit. */
function genSecond(g: Generator): string {
  g.body = Array.from({ length: 8 }, (_, i) => `const d${i} = D[${i}];`);
  const w: Val[] = [
    ...Array.from({ length: 8 }, (_, i) => g.ref(Kind.Nonce, `d${i}`)),
    g.lit(0x80000000),
    ...Array.from({ length: 6 }, () => g.lit(0)),
    g.lit(256),
  ];
  let st: Val[] = IV.map((v) => g.lit(v));
  const word = (j: number, v: Val): void => {
    const f = g.bind(g.add(g.lit(IV[j]!), v)).code;
    g.body.push(`const h${j} = ${BSWAP(f)} ^ 0x80000000;`, `if (h${j} !== t${j}) return h${j} < t${j};`);
  };
  for (let i = 0; i < 64; i++) {
    st = g.round(st, i, g.schedule(w, i));
    // The final h word (most significant 32 bits of the LE hash) is fixed 3 rounds early: compare
    // it first, and only the rare survivors pay for the last rounds.
    if (i === 60) word(7, st[4]!);
  }
  for (let j = 6; j >= 0; j--) word(j, st[j]!);
  g.body.push('return true;');
  return `function second() {\n${g.body.join('\n')}\n}`;
}

/** Source of `(function () { ... return { prepare, scan }; })`, a ScanEngine factory. */
export function generateTsEngineSource(): string {
  const g = new Generator();
  const first = genFirst(g);
  const second = genSecond(g);
  const words = (prefix: string): string => Array.from({ length: 8 }, (_, i) => `${prefix}${i} = 0`).join(', ');
  return `(function makeTsEngine() {
'use strict';
const K = new Int32Array([${K.join(', ')}]);
const W = new Int32Array(64);
const D = new Int32Array(8);
let ${words('m')}, ${words('t')}, x0 = 0, x1 = 0, x2 = 0;
let ${g.scanVars.map((v) => `${v} = 0`).join(', ')};
const be = (h, i) => (h[i] << 24) | (h[i + 1] << 16) | (h[i + 2] << 8) | h[i + 3];
// Compression of the header's first block from the IV: once per scan, so a plain loop.
function midstate(h) {
  for (let i = 0; i < 16; i++) W[i] = be(h, 4 * i);
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15], b = W[i - 2];
    const s0 = (a >>> 7 | a << 25) ^ (a >>> 18 | a << 14) ^ (a >>> 3);
    const s1 = (b >>> 17 | b << 15) ^ (b >>> 19 | b << 13) ^ (b >>> 10);
    W[i] = (s1 + W[i - 7] + s0 + W[i - 16]) | 0;
  }
  let a = ${IV[0]! | 0}, b = ${IV[1]! | 0}, c = ${IV[2]! | 0}, d = ${IV[3]! | 0};
  let e = ${IV[4]! | 0}, f = ${IV[5]! | 0}, g = ${IV[6]! | 0}, hh = ${IV[7]! | 0};
  for (let i = 0; i < 64; i++) {
    const S1 = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
    const t1 = (hh + S1 + (g ^ (e & (f ^ g))) + K[i] + W[i]) | 0;
    const S0 = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
    const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  m0 = (a + ${IV[0]! | 0}) | 0; m1 = (b + ${IV[1]! | 0}) | 0; m2 = (c + ${IV[2]! | 0}) | 0; m3 = (d + ${IV[3]! | 0}) | 0;
  m4 = (e + ${IV[4]! | 0}) | 0; m5 = (f + ${IV[5]! | 0}) | 0; m6 = (g + ${IV[6]! | 0}) | 0; m7 = (hh + ${IV[7]! | 0}) | 0;
}
function prepare(h, target) {
  midstate(h);
  x0 = be(h, 64); x1 = be(h, 68); x2 = be(h, 72);
  // Target words biased by 2^31 so signed int32 comparisons order them as unsigned.
  ${Array.from({ length: 8 }, (_, i) => `t${i} = target[${i}] ^ 0x80000000;`).join(' ')}
  ${g.pre.join('\n  ')}
}
${first}
${second}
// The nonce runs as a wrapping int32 (returned as uint32): a counter past 2^31 would turn into a
// double and deoptimize the per-nonce functions.
function scan(start, count) {
  if (count <= 0) return -1;
  const last = (start + count - 1) | 0;
  for (let n = start | 0; ; n = (n + 1) | 0) {
    first(n);
    if (second()) return n >>> 0;
    if (n === last) return -1;
  }
}
return { prepare, scan };
})`;
}
