import type { Chain } from '../chain/chain.js';
import type { NetworkParams } from '../consensus/params/types.js';
import type { Mempool } from '../mempool/mempool.js';
import type { Miner } from '../mining/miner.js';
import type { HashKernel } from '../mining/kernel/types.js';
import type { NetService } from '../net/service.js';
import type { NodeConfig } from './config.js';
import type { Logger } from './logger.js';
import type { Block } from '../consensus/block.js';
import type { Transaction } from '../consensus/tx.js';
import type { ProcessResult } from '../chain/types.js';
import type { AcceptResult } from '../mempool/mempool.js';
import type { StratumServer } from '../stratum/index.js';
import type { ChainQueries } from './chain-queries.js';
import type { TxIndex } from './txindex.js';

/** What RPC methods see of a running node. */
export interface NodeContext {
  config: NodeConfig;
  params: NetworkParams;
  chain: Chain;
  mempool: Mempool;
  net: NetService;
  log: Logger;
  /** Started on demand (setgenerate true); undefined while never started. */
  miner(): Miner | undefined;
  startMining(payTo: Uint8Array, threads?: number): Promise<Miner>;
  stopMining(): Promise<void>;
  /** The hashing kernel for on-demand mining on the calling thread (generatetoaddress). */
  kernel: HashKernel;
  clock: () => number;
  startedAt: number;
  /** Submit a block from RPC: processBlock, then gossip when it connected. */
  submitBlock(block: Block): Promise<ProcessResult>;
  /** Submit a transaction from RPC or a wallet: mempool, then gossip when accepted. */
  submitTx(tx: Transaction): Promise<AcceptResult>;
  /** Ask the node to shut down (the `stop` RPC). */
  requestStop(): void;
  /** Aborted when the node starts shutting down (long polls end then). */
  stopping: AbortSignal;
  /** The questions the template, proof and statistics methods ask of the chain. */
  queries: ChainQueries;
  /** The transaction index, unless the node runs with --no-txindex. */
  txindex(): TxIndex | undefined;
  /** The Stratum server, when --stratum-port is given. */
  stratum(): StratumServer | undefined;
}
