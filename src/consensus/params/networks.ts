import { headerHash } from '../header.js';
import { buildGenesis, type GenesisSpec } from './genesis.js';
import type { NetworkName, NetworkParams } from './types.js';

/** 2^233 - 1: one CPU thread finds a block at this target in a few seconds (~8.4 M hashes). */
const CPU_POW_LIMIT = (1n << 233n) - 1n;
const CPU_POW_LIMIT_BITS = 0x1e01ffff;
/** Regtest: the easiest compact target there is, so blocks are found on the first few nonces. */
const REGTEST_POW_LIMIT = (1n << 255n) - 1n;
const REGTEST_BITS = 0x207fffff;

const GENESIS_TIME = 1795737600; // 2026-11-27T00:00:00Z

export const GENESIS_SPECS: Record<NetworkName, Omit<GenesisSpec, 'nonce'>> = {
  main: { time: GENESIS_TIME, bits: CPU_POW_LIMIT_BITS, message: 'powchain main genesis 2026-11-27: no trusted party' },
  testnet: { time: GENESIS_TIME, bits: CPU_POW_LIMIT_BITS, message: 'powchain testnet genesis 2026-11-27' },
  regtest: { time: GENESIS_TIME, bits: REGTEST_BITS, message: 'powchain regtest genesis 2026-11-27' },
};

/** Mined once by src/tools/mine-genesis.ts; the genesis test recomputes each hash. */
const GENESIS_NONCES: Record<NetworkName, number> = { main: 9769010, testnet: 17988309, regtest: 0 };
/** Display-order genesis hashes; test/consensus/genesis.test.ts recomputes them. */
export const GENESIS_HASHES: Record<NetworkName, string> = {
  main: '000000bf4228ee5964ee36f9dfabd7b0e9df4631f0a116ee678bfefda389b995',
  testnet: '000000829ad19f1e640f637fd687eed2a4b4b8708734b8662840ea15f451bb0a',
  regtest: '665f29a7c3023a8263fa604cb8cf08f67f4b206338b1e2ace370aefd4bb5789a',
};

function genesisOf(name: NetworkName) {
  const block = buildGenesis({ ...GENESIS_SPECS[name], nonce: GENESIS_NONCES[name] });
  const hash = headerHash(block.header);
  return { block, hash };
}

function make(name: NetworkName, rest: Omit<NetworkParams, 'name' | 'genesis' | 'genesisHash'>): NetworkParams {
  const { block, hash } = genesisOf(name);
  return Object.freeze({ name, genesis: block, genesisHash: hash, ...rest });
}

export const networks: Readonly<Record<NetworkName, NetworkParams>> = Object.freeze({
  main: make('main', {
    magic: 0x50574d4e, // "PWMN"
    powLimit: CPU_POW_LIMIT,
    difficulty: { algorithm: 'asert', halfLife: 2 * 24 * 3600 },
    targetSpacing: 600,
    coinbaseMaturity: 100,
    halvingInterval: 210_000,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 2 * 3600,
    addressHrp: 'pow',
    defaultP2pPort: 8733,
    defaultRpcPort: 8732,
    allowMineOnDemand: false,
  }),
  testnet: make('testnet', {
    magic: 0x50575453, // "PWTS"
    powLimit: CPU_POW_LIMIT,
    // 10 minutes (60 blocks): from the easiest target, ASERT brings the block interval within
    // 2x of the spacing after one half-life, whatever the hash rate (docs/consensus.md), so a
    // new testnet settles near one block every 10 s within 15 minutes.
    difficulty: { algorithm: 'asert', halfLife: 600 },
    targetSpacing: 10,
    coinbaseMaturity: 20,
    halvingInterval: 150_000,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 2 * 3600,
    addressHrp: 'tpow',
    defaultP2pPort: 18733,
    defaultRpcPort: 18732,
    allowMineOnDemand: false,
  }),
  regtest: make('regtest', {
    magic: 0x50575247, // "PWRG"
    powLimit: REGTEST_POW_LIMIT,
    difficulty: { algorithm: 'fixed' },
    targetSpacing: 600,
    coinbaseMaturity: 100,
    halvingInterval: 150,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 2 * 3600,
    addressHrp: 'rpow',
    defaultP2pPort: 28733,
    defaultRpcPort: 28732,
    allowMineOnDemand: true,
  }),
});

export function isNetworkName(s: string): s is NetworkName {
  return s === 'main' || s === 'testnet' || s === 'regtest';
}

export function getNetwork(name: string): NetworkParams {
  if (!isNetworkName(name)) throw new RangeError(`unknown network '${name}' (expected main, testnet or regtest)`);
  return networks[name];
}
