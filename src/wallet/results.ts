/** What the wallet answers: a balance, its history, and what a send did. Amounts in base units. */

export interface Balance {
  /** Mature, confirmed: what send can spend. */
  spendable: bigint;
  /** Confirmed coinbase outputs still waiting for maturity. */
  immature: bigint;
  /** spendable + immature. */
  confirmed: bigint;
  /** Net effect of unconfirmed (mempool) transactions. */
  unconfirmed: bigint;
  /** confirmed + unconfirmed. */
  total: bigint;
}

export interface HistoryEntry {
  txid: string;
  height: number;
  confirmations: number;
  received: bigint;
  sent: bigint;
  /** received - sent: negative for a payment (amount and fee). */
  net: bigint;
  /** For transactions this wallet file sent. */
  to?: string;
  amount?: bigint;
  fee?: bigint;
}

export interface SendResult {
  txid: string;
  to: string;
  amount: bigint;
  fee: bigint;
  /** Base units per 1,000 bytes. */
  feeRate: bigint;
  size: number;
  inputs: { txid: string; index: number; value: bigint }[];
  change?: { address: string; value: bigint };
}
