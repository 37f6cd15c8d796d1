import type { IndexEntry } from '../chain/block-index.js';
import type { Chain } from '../chain/chain.js';
import type { ProcessResult } from '../chain/types.js';

/** What a gossip validator learns first about a block it handed to the chain. */
export type Verdict =
  /** Passed every rule (signatures included) on its way into the main chain; `done` settles once it is written. */
  | { validated: true; done: Promise<ProcessResult> }
  /** The chain's final answer, reached without validating it into the main chain. */
  | { validated: false; result: ProcessResult };

/**
 * Lets the block gossip validator answer ACCEPT as soon as the chain has validated a block,
 * rather than after its state is written. Writing a block's records takes longer than
 * deciding its rules (thousands of keys for a 100 kB block), and every hop of gossip waits for
 * the validator, so this takes the write off the relay path while still relaying only fully
 * validated blocks: no peer is ever blamed for a block that later turns out invalid.
 */
export class EarlyVerdicts {
  private readonly waiting = new Map<string, () => void>();
  private readonly onValidated = (e: IndexEntry) => this.waiting.get(e.hashHex)?.();

  constructor(private readonly chain: Chain) {
    chain.on('validated', this.onValidated);
  }

  /** Run `process` (the chain's processBlock for the block `hashHex`) and report whichever comes first. */
  async run(hashHex: string, process: () => Promise<ProcessResult>): Promise<Verdict> {
    let validated!: () => void;
    const early = new Promise<'validated'>((resolve) => (validated = () => resolve('validated')));
    // The same block can be in flight twice (gossip and a sync request): the first one waits here.
    const mine = !this.waiting.has(hashHex);
    if (mine) this.waiting.set(hashHex, validated);
    const done = process();
    try {
      const first = await Promise.race([early, done]);
      return first === 'validated' ? { validated: true, done } : { validated: false, result: first };
    } finally {
      if (mine) this.waiting.delete(hashHex);
    }
  }

  close(): void {
    this.chain.off('validated', this.onValidated);
    this.waiting.clear();
  }
}
