import { COIN } from '../../src/consensus/amounts.js';
import { decodeBlock, encodeBlock } from '../../src/consensus/block.js';
import { coinbaseHeight } from '../../src/consensus/coinbase.js';
import { headerHash } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import { buildGenesis } from '../../src/consensus/params/genesis.js';
import {
  GENESIS_HASHES,
  GENESIS_SPECS,
  getNetwork,
  isNetworkName,
  networks,
} from '../../src/consensus/params/networks.js';
import type { DifficultyParams, NetworkName } from '../../src/consensus/params/types.js';
import { checkProofOfWork, targetToBits } from '../../src/consensus/pow.js';
import { checkBlock } from '../../src/consensus/rules/block.js';
import { isCoinbase, txid } from '../../src/consensus/tx.js';
import { hashToHex } from '../../src/encoding/hex.js';

const NAMES: NetworkName[] = ['main', 'testnet', 'regtest'];

/**
 * The consensus constants of each network, restated so that any change to networks.ts shows up
 * here as a failing test: peers that disagree on one of these are on different chains.
 */
const EXPECTED: Record<
  NetworkName,
  {
    spacing: number;
    maturity: number;
    halving: number;
    powLimit: bigint;
    bits: number;
    hrp: string;
    difficulty: DifficultyParams;
    magic: number;
  }
> = {
  main: {
    spacing: 600,
    maturity: 100,
    halving: 210_000,
    powLimit: (1n << 233n) - 1n,
    bits: 0x1e01ffff,
    hrp: 'pow',
    difficulty: { algorithm: 'asert', halfLife: 2 * 24 * 3600 },
    magic: 0x50574d4e,
  },
  testnet: {
    spacing: 10,
    maturity: 20,
    halving: 150_000,
    powLimit: (1n << 233n) - 1n,
    bits: 0x1e01ffff,
    hrp: 'tpow',
    difficulty: { algorithm: 'asert', halfLife: 600 },
    magic: 0x50575453,
  },
  regtest: {
    spacing: 600,
    maturity: 100,
    halving: 150,
    powLimit: (1n << 255n) - 1n,
    bits: 0x207fffff,
    hrp: 'rpow',
    difficulty: { algorithm: 'fixed' },
    magic: 0x50575247,
  },
};

describe.each(NAMES)('%s genesis', (name) => {
  const params = networks[name];
  const genesis = params.genesis;
  const hash = headerHash(genesis.header);

  test('its hash is the recorded constant and the params carry it', () => {
    expect(hashToHex(hash)).toBe(GENESIS_HASHES[name]);
    expect(hashToHex(params.genesisHash)).toBe(GENESIS_HASHES[name]);
    expect(params.name).toBe(name);
  });

  test('it meets its own proof of work under the network powLimit', () => {
    expect(checkProofOfWork(hash, genesis.header.bits, params.powLimit)).toBe(true);
  });

  test('it is one coinbase at height 0, paying the initial 50-coin subsidy, with the merkle root of that coinbase', () => {
    expect(genesis.header.prevHash).toEqual(new Uint8Array(32));
    expect(genesis.txs).toHaveLength(1);
    const cb = genesis.txs[0]!;
    expect(isCoinbase(cb)).toBe(true);
    expect(coinbaseHeight(cb)).toBe(0);
    expect(cb.outputs).toEqual([{ value: 50n * COIN, pubKeyHash: new Uint8Array(20) }]);
    expect(genesis.header.merkleRoot).toEqual(merkleRoot([txid(cb)]).root);
    expect(new TextDecoder().decode(cb.inputs[0]!.unlock.subarray(12))).toBe(GENESIS_SPECS[name].message);
  });

  test('it passes checkBlock and survives an encode/decode round trip', () => {
    expect(checkBlock(genesis, params)).toEqual({ ok: true });
    const back = decodeBlock(encodeBlock(genesis));
    expect(back).toEqual(genesis);
  });

  test('rebuilding it from its spec gives the same block (nothing else feeds the hash)', () => {
    const rebuilt = buildGenesis({ ...GENESIS_SPECS[name], nonce: genesis.header.nonce });
    expect(rebuilt).toEqual(genesis);
    // The nonce is load-bearing: off by one, the hash changes (and at main/testnet difficulty misses the target).
    expect(headerHash({ ...genesis.header, nonce: genesis.header.nonce + 1 })).not.toEqual(hash);
  });

  test('consensus constants are as restated here', () => {
    const e = EXPECTED[name];
    expect({
      spacing: params.targetSpacing,
      maturity: params.coinbaseMaturity,
      halving: params.halvingInterval,
      powLimit: params.powLimit,
      bits: genesis.header.bits,
      hrp: params.addressHrp,
      difficulty: params.difficulty,
      magic: params.magic,
    }).toEqual(e);
    expect(params.maxBlockBytes).toBe(1_000_000);
    expect(params.maxFutureBlockTime).toBe(2 * 3600);
    expect(genesis.header.time).toBe(1795737600);
    expect(genesis.header.version).toBe(1);
    // The genesis bits are the compact form of the network's easiest target.
    expect(genesis.header.bits).toBe(targetToBits(params.powLimit));
  });

  test('params are frozen', () => {
    expect(Object.isFrozen(params)).toBe(true);
    expect(Object.isFrozen(networks)).toBe(true);
  });
});

describe('network lookup', () => {
  test('getNetwork and isNetworkName', () => {
    for (const n of NAMES) {
      expect(isNetworkName(n)).toBe(true);
      expect(getNetwork(n)).toBe(networks[n]);
    }
    expect(isNetworkName('mainnet')).toBe(false);
    expect(() => getNetwork('mainnet')).toThrow(RangeError);
  });

  test('the three networks have distinct genesis hashes, magics, address prefixes and ports', () => {
    const distinct = (f: (n: NetworkName) => unknown): number => new Set(NAMES.map(f)).size;
    expect(distinct((n) => GENESIS_HASHES[n])).toBe(3);
    expect(distinct((n) => networks[n].magic)).toBe(3);
    expect(distinct((n) => networks[n].addressHrp)).toBe(3);
    expect(distinct((n) => networks[n].defaultP2pPort)).toBe(3);
    expect(distinct((n) => networks[n].defaultRpcPort)).toBe(3);
    expect(networks.regtest.allowMineOnDemand).toBe(true);
    expect(networks.main.allowMineOnDemand || networks.testnet.allowMineOnDemand).toBe(false);
  });
});
