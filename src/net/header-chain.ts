import type { Chain } from '../chain/chain.js';
import type { BlockHeader } from '../consensus/header.js';
import { headerHash } from '../consensus/header.js';
import { checkHeaderPow } from '../consensus/rules/block.js';
import { checkHeaderContext, headerContextAfter } from '../consensus/rules/contextual.js';
import type { RejectCode } from '../consensus/errors.js';
import { ASERT_ANCHOR_HEIGHT } from '../consensus/next-bits.js';
import { bytesToHex } from '../encoding/hex.js';

export interface HeaderNode {
  header: BlockHeader;
  hash: Uint8Array;
  hashHex: string;
  height: number;
}

export type HeadersCheck =
  { ok: true; nodes: HeaderNode[] } | { ok: false; code: RejectCode | 'unconnected'; reason: string };

/**
 * Check a run of headers from a peer before asking for any body: each must link to the previous
 * one (the first to a block we have), carry valid proof of work and the expected bits, and pass
 * the time rules. Works over the chain's index plus the headers already accepted in this sync.
 */
export class HeaderChain {
  private readonly pending = new Map<string, HeaderNode>();
  /** Block 1 of each pending header's chain (see ancestor). */
  private readonly anchors = new Map<string, HeaderNode>();

  constructor(private readonly chain: Chain) {}

  private lookup(hash: Uint8Array): HeaderNode | undefined {
    const e = this.chain.entry(hash);
    if (e) return { header: e.header, hash: e.hash, hashHex: e.hashHex, height: e.height };
    return this.pending.get(bytesToHex(hash));
  }

  private parentOf(n: HeaderNode): HeaderNode | undefined {
    return this.lookup(n.header.prevHash);
  }

  /**
   * The block at `height` of n's chain: from the chain's index as soon as the walk reaches a
   * stored block (its main chain answers at once), and block 1, the ASERT anchor every header
   * asks for, of a header not yet stored from what was noted when that header was checked.
   */
  private ancestor(n: HeaderNode, height: number): HeaderNode | undefined {
    if (height === ASERT_ANCHOR_HEIGHT && this.anchors.has(n.hashHex)) return this.anchors.get(n.hashHex);
    let cur: HeaderNode | undefined = n;
    while (cur && cur.height > height) {
      const stored = this.chain.entry(cur.hash);
      if (stored) {
        const e = this.chain.ancestor(stored, height);
        return e && { header: e.header, hash: e.hash, hashHex: e.hashHex, height: e.height };
      }
      cur = this.parentOf(cur);
    }
    return cur;
  }

  check(headers: BlockHeader[]): HeadersCheck {
    const nodes: HeaderNode[] = [];
    const params = this.chain.params;
    for (const [i, header] of headers.entries()) {
      const parent = this.lookup(header.prevHash);
      if (!parent) return { ok: false, code: 'unconnected', reason: `header ${i} does not link to a known block` };
      const hash = headerHash(header);
      const pow = checkHeaderPow(hash, header.bits, params);
      if (!pow.ok) return { ok: false, code: pow.code, reason: `header ${i}: ${pow.reason}` };
      const ctx = checkHeaderContext(
        header,
        headerContextAfter(params, parent, (h) => this.ancestor(parent, h), this.chain.clock()),
      );
      if (!ctx.ok) return { ok: false, code: ctx.code, reason: `header ${i}: ${ctx.reason}` };
      const node = { header, hash, hashHex: bytesToHex(hash), height: parent.height + 1 };
      this.pending.set(node.hashHex, node);
      const anchor = node.height === ASERT_ANCHOR_HEIGHT ? node : this.ancestor(parent, ASERT_ANCHOR_HEIGHT);
      if (anchor) this.anchors.set(node.hashHex, anchor);
      nodes.push(node);
    }
    return { ok: true, nodes };
  }
}
