import process from 'node:process';
import { setFlagsFromString } from 'node:v8';

/**
 * A node that has started and then sits idle should not keep what only its start-up needed.
 * Loading a program the size of a node (libp2p, the chain, the RPC server: some 600 modules) does
 * two things V8 then keeps:
 *
 * - It grows the young generation: many objects survive each scavenge while modules load, and V8
 *   doubles the semi-spaces each time, up to 16 MiB each here. An idle node kept 32 MiB of young
 *   generation reserved and 17-21 MiB resident, with under 6 MiB of it in use.
 * - It optimizes the module loader's own functions (path and URL resolution runs hundreds of
 *   times), which brings Maglev's and TurboFan's code into memory: 5-6 MB of resident memory.
 *
 * `holdStartupGrowth` keeps the young generation at its starting size (1 MiB a semi-space) and
 * the optimizing compilers off while the node loads and starts; `releaseStartupGrowth` restores
 * V8's defaults. V8 reads these flags each time it considers growing the young generation or
 * optimizing a function, so a node that then gets work (connects blocks, takes transactions)
 * grows and optimizes as before; only what start-up alone would have left behind is saved.
 * Measured on an idle regtest node: about 92 MB without this, 87 MB with it.
 *
 * Nothing is held when the user set any of these flags (NODE_OPTIONS or node's own arguments):
 * their choice stays. Maglev is held only where it is on by default (Node 22 and later on x64
 * and arm64), so that releasing it restores the default and never turns it on where it was off.
 */
const GROWTH = 'semi-space-growth-factor';
const DEFAULT_GROWTH = 2; // V8's flag-definitions.h, unchanged since V8 5
const USER_FLAGS = /--(no-)?(semi-space-growth-factor|turbofan|opt|maglev)\b/;

let held: string[] | undefined;

function maglevIsDefault(): boolean {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 22 && (process.arch === 'x64' || process.arch === 'arm64');
}

/** Holds growth for start-up; a second call while held does nothing. */
export function holdStartupGrowth(): void {
  if (held) return;
  if (USER_FLAGS.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '))) return;
  const compilers = maglevIsDefault() ? ['turbofan', 'maglev'] : ['turbofan'];
  setFlagsFromString(`--${GROWTH}=1`);
  for (const c of compilers) setFlagsFromString(`--no-${c}`);
  held = compilers;
}

/** V8's defaults again: the young generation may grow and hot functions are optimized. */
export function releaseStartupGrowth(): void {
  if (!held) return;
  setFlagsFromString(`--${GROWTH}=${DEFAULT_GROWTH}`);
  for (const c of held) setFlagsFromString(`--${c}`);
  held = undefined;
}

/** Whether start-up growth is held now (for tests). */
export function startupGrowthHeld(): boolean {
  return held !== undefined;
}
