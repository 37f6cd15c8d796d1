/**
 * Mines the genesis block of each network from its spec (time, bits, message) and prints the
 * nonce and hash to paste into src/consensus/params/networks.ts. Run once per network when its
 * spec changes: `npm run build && node dist/tools/mine-genesis.js [main|testnet|regtest]`.
 * The genesis test recomputes every hash from the committed nonce, so a wrong paste fails CI.
 */
import { createHash } from 'node:crypto';
import { buildGenesis } from '../consensus/params/genesis.js';
import { encodeHeader } from '../consensus/header.js';
import { checkProofOfWork } from '../consensus/pow.js';
import { hashToHex } from '../encoding/hex.js';
import { GENESIS_SPECS, networks } from '../consensus/params/networks.js';
import type { NetworkName } from '../consensus/params/types.js';

function sha256d(b: Uint8Array): Uint8Array {
  return createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
}

function mine(name: NetworkName): void {
  const spec = GENESIS_SPECS[name];
  const header = encodeHeader(buildGenesis({ ...spec, nonce: 0 }).header);
  const view = new DataView(header.buffer);
  const started = Date.now();
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    view.setUint32(76, nonce, true);
    const hash = sha256d(header);
    if (checkProofOfWork(hash, spec.bits, networks[name].powLimit)) {
      const secs = (Date.now() - started) / 1000;
      process.stdout.write(`${name}: nonce ${nonce} hash ${hashToHex(hash)} (${secs.toFixed(1)} s)\n`);
      return;
    }
  }
  throw new Error(`${name}: nonce space exhausted; change the time or message`);
}

const which = process.argv.slice(2) as NetworkName[];
for (const name of which.length ? which : (['main', 'testnet', 'regtest'] as const)) mine(name);
