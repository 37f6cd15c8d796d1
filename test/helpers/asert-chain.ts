import type { Block } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { expectedBits, type ParentInfo } from '../../src/consensus/next-bits.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { testKey } from './keys.js';
import { mineBlock } from './mine.js';

/**
 * testnet's rules (10 s spacing, ASERT anchored at block 1 with testnet's half-life) under
 * regtest's limit, so that a block costs a few hashes instead of millions.
 */
export const easyTestnet: NetworkParams = Object.freeze({ ...networks.testnet, powLimit: networks.regtest.powLimit });

/** A chain of blocks from genesis whose bits follow the difficulty rule, block by block. */
export class AsertChain {
  readonly blocks: Block[] = [];
  /** What the rule sees of each block, by height (0 = genesis). */
  readonly infos: ParentInfo[];
  private tipHash: Uint8Array;

  constructor(
    readonly params: NetworkParams,
    private readonly label: string,
  ) {
    const g = params.genesis.header;
    this.infos = [{ height: 0, time: g.time, bits: g.bits }];
    this.tipHash = params.genesisHash;
  }

  get height(): number {
    return this.infos.length - 1;
  }

  /** The bits a child of the tip must carry; `ancestor` may stand other blocks in for this chain's. */
  nextBits(ancestor: (height: number) => ParentInfo = (h) => this.infos[h]!): number {
    return expectedBits(this.params, this.infos[this.height]!, ancestor);
  }

  /** Mine the next block at `time` (with `bits`, default the rule's) without adding it. */
  build(time: number, bits = this.nextBits()): Block {
    const height = this.height + 1;
    return mineBlock({
      prevHash: this.tipHash,
      height,
      time,
      bits,
      params: this.params,
      minerKey: testKey(`asert-${this.label}`),
      extraNonce: BigInt(height),
    });
  }

  /** Mine and add blocks at each of `times`; returns them. */
  extend(times: number[]): Block[] {
    return times.map((time) => {
      const block = this.build(time);
      this.blocks.push(block);
      this.infos.push({ height: this.height + 1, time, bits: block.header.bits });
      this.tipHash = headerHash(block.header);
      return block;
    });
  }
}

/** `count` times starting at `first`, `gap` seconds apart. */
export const spaced = (first: number, gap: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => first + i * gap);
