import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { reindexChain, reindexChainstate } from '../chain/reindex.js';
import { logReindexEvent } from './log-reindex.js';
import type { ChainError } from '../chain/errors.js';
import { DiskSpaceGuard } from './disk-space.js';
import { isAccepted } from '../chain/types.js';
import type { Block } from '../consensus/block.js';
import { encodeBlock } from '../consensus/block.js';
import { getNetwork } from '../consensus/params/networks.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { decodeAddress } from '../crypto/address.js';
import { activeBackendName, verifyFallbackReasons } from '../crypto/verify.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { bytesToHex, hashToHex } from '../encoding/hex.js';
import type { Transaction } from '../consensus/tx.js';
import { Mempool } from '../mempool/mempool.js';
import { loadBestKernelExplained } from '../mining/kernel/index.js';
import type { HashKernel } from '../mining/kernel/types.js';
import { Miner } from '../mining/miner.js';
import { NetService } from '../net/service.js';
import { RpcServer } from '../rpc/server.js';
import type { NodeConfig } from './config.js';
import type { NodeContext } from './context.js';
import { COOKIE_FILE, lockDatadir, prepareDatadir, writeCookie } from './datadir.js';
import { createLogger, type Logger } from './logger.js';
import { MempoolFile } from './mempool-file.js';
import { allMethods } from './methods/index.js';
import { namedToPositional } from './methods/help.js';
import { wireLogging } from './log-events.js';
import { showSyncProgress } from './sync-progress.js';
import { MemorySettler } from './memory.js';
import { ChainQueries } from './chain-queries.js';
import { TxIndex } from './txindex.js';
import type { StratumServer } from '../stratum/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { PublicPages } from './http/index.js';

/**
 * The composition root: opens the data directory, chain, mempool, network, miner and RPC
 * server, wires them together, and shuts them down in the reverse order. Nothing here decides
 * consensus; it only connects the parts that do.
 */
export class PowchainNode {
  readonly params: NetworkParams;
  readonly log: Logger;
  chain!: Chain;
  mempool!: Mempool;
  net!: NetService;
  rpc!: RpcServer;
  rpcAddress = { host: '', port: 0 };
  private miner: Miner | undefined;
  private memory: MemorySettler | undefined;
  private queries!: ChainQueries;
  private txindex: TxIndex | undefined;
  private stratum: StratumServer | undefined;
  private readonly stopController = new AbortController();
  private pool!: VerifyPool;
  private kernel!: HashKernel;
  private kernelFallbackReasons: string[] = [];
  private mempoolFile!: MempoolFile;
  private metrics: NodeMetrics | undefined;
  private pages: PublicPages | undefined;
  private releaseLock: (() => void) | undefined;
  private removeCookie: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private diskGuard: DiskSpaceGuard | undefined;
  /** Why the node stopped itself (disk full, a failing disk), if it did. */
  failure: string | undefined;
  /** The node's one clock, in seconds: the system clock shifted by --clock-offset. */
  private readonly clock: () => number;
  private readonly startedAt: number;
  /** Resolves when the node has stopped (after `stop` or the `stop` RPC). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(
    readonly config: NodeConfig,
    logger?: Logger,
  ) {
    this.params = getNetwork(config.network);
    const offset = config.clockOffset;
    this.clock = () => Math.floor(Date.now() / 1000) + offset;
    this.startedAt = this.clock();
    this.log = logger ?? createLogger(config.logLevel, config.logFormat);
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  async start(): Promise<void> {
    const c = this.config;
    const datadir = prepareDatadir(c.datadir);
    this.releaseLock = lockDatadir(datadir);
    try {
      await this.startParts(datadir);
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private async startParts(datadir: string): Promise<void> {
    const c = this.config;
    const payTo = c.minerAddress ? decodeAddress(c.minerAddress, this.params.addressHrp) : undefined;
    if (c.mine && !payTo) throw new Error('--mine needs --miner-address <address> to pay the block rewards to');
    this.pool = new VerifyPool();
    ({ kernel: this.kernel, fallbackReasons: this.kernelFallbackReasons } = loadBestKernelExplained());
    this.diskGuard = new DiskSpaceGuard(datadir, c.minFreeDiskMb, this.log, (message) => this.fail(message));
    this.diskGuard.start();
    const chainOpts = {
      params: this.params,
      location: join(datadir, 'chain'),
      blocksLocation: join(datadir, 'blocks'),
      verifier: this.pool,
      clock: this.clock,
      dbCacheMiB: c.dbcache,
    };
    if (c.reindex) {
      this.log.info('reindexing: rebuilding the block index and chain state from the block store');
      this.chain = await reindexChain(chainOpts, (e) => logReindexEvent(this.log, e));
    } else if (c.reindexChainstate) {
      this.log.info('reindexing the chain state from the stored blocks');
      this.chain = await reindexChainstate(chainOpts, (e) => logReindexEvent(this.log, e));
    } else {
      this.chain = await Chain.open(chainOpts);
    }
    const guard = this.diskGuard;
    this.chain.on('tip', () => guard.checkSoon());
    this.chain.on('storage-failed', (err: ChainError) =>
      this.fail(`${err.message}; stopping (no block or transaction is accepted until the node restarts)`),
    );
    this.queries = new ChainQueries(this.chain);
    if (c.txindex) this.txindex = await TxIndex.open(join(datadir, 'txindex'), this.queries, this.log);
    // Payments' signatures are checked on the verify workers before the chain lock, so the main
    // thread answers the next requests meanwhile (mempool/preverify.ts).
    this.mempool = new Mempool(this.chain, this.clock, { preverify: (items) => this.pool.verifyOffThread(items) });
    this.mempoolFile = new MempoolFile(datadir, this.mempool, (err) =>
      this.log.error({ err }, 'could not save the mempool snapshot'),
    );
    const loaded = await this.mempoolFile.load();
    this.mempool.on('added', (_e, bytes) => {
      this.mempoolFile.record(bytesToHex(bytes));
      this.mempoolFile.scheduleSave();
    });
    this.mempool.on('removed', () => this.mempoolFile.scheduleSave());
    this.mempool.on('revalidate-failed', (err) => this.log.error({ err }, 'mempool re-admission after a reorg failed'));

    // Created before the network: libp2p registers its own metrics while it starts.
    // Metrics, Stratum and the public pages are loaded only when switched on: prom-client with
    // libp2p's collectors, the Stratum server and the explorer's routes cost an idle node about
    // 4 MB it never used.
    if (c.metrics) this.metrics = (await import('../metrics/index.js')).createNodeMetrics({ statfsLocation: datadir });
    this.net = new NetService({
      chain: this.chain,
      mempool: this.mempool,
      datadir,
      bind: c.bind,
      port: c.port,
      peers: c.peers,
      mdns: c.mdns,
      maxPeers: c.maxPeers,
      clock: this.clock,
      metrics: this.metrics?.libp2p,
      bootstrap: c.bootstrap,
      announce: c.announce,
      noAnnounce: c.noAnnounce,
      announcePrivate: c.announcePrivate,
      maxOutbound: c.maxOutbound,
      maxOutboundPerGroup: c.maxOutboundPerGroup,
      // --max-outbound 0: peers of the operator's choosing only (as bitcoind's -connect).
      discovery: c.maxOutbound > 0,
    });
    // Before start: the network reports what it finds while starting (a damaged address book).
    wireLogging(this.log, this.chain, this.net);
    await this.net.start();
    // Transactions a reorg put back in the pool are news to the peers on the winning branch.
    this.mempool.on('readmitted', (e) => void this.net.publishTx(e.tx).catch(() => undefined));
    showSyncProgress(this.net, this.log);
    this.metrics?.observe({
      chain: this.chain,
      mempool: this.mempool,
      net: this.net,
      verifyQueue: () => this.pool.queuedSignatures,
    });
    // Memory a burst of traffic passed through goes back to the system once the burst is over.
    this.memory = new MemorySettler({
      quiet: () => this.net.quiet,
      settled: (m) => this.log.debug({ rssBefore: m.before, rssAfter: m.after, ms: m.ms }, 'memory given back'),
    });
    this.memory.start();

    // With user/password there is no cookie: one left by an earlier run (kill -9) would only
    // mislead clients into trying it, so it goes (we hold the lock: it is not another node's).
    if (c.rpcUser) rmSync(join(datadir, COOKIE_FILE), { force: true });
    const cookie = c.rpcUser ? undefined : writeCookie(datadir);
    this.removeCookie = cookie?.remove;
    const credentials = cookie ? [cookie.credentials] : [`${c.rpcUser}:${c.rpcPassword}`];
    const methods = allMethods(this.context());
    const onError = (err: Error) => this.log.error({ err }, 'RPC method failed');
    this.pages =
      c.rest || c.metrics || c.web
        ? (await import('./http/index.js')).publicPages(this.context(), methods, this.metrics, onError)
        : { handler: undefined, close: () => undefined };
    const metrics = this.metrics;
    this.rpc = new RpcServer({
      host: c.rpcBind,
      port: c.rpcPort,
      credentials: () => credentials,
      methods,
      namedParams: namedToPositional,
      onError,
      publicGet: this.pages.handler,
      onCall: metrics ? (method, seconds, ok) => metrics.rpcCall(method, seconds, ok) : undefined,
      // The mempool takes payments in the order they arrive (Mempool.accept), so the payments of
      // a batch can start together and share the verify workers' checks.
      ordered: new Set(['sendrawtransaction']),
    });
    this.rpcAddress = await this.rpc.listen();

    if (c.stratumPort !== undefined) await this.startStratum();
    if (c.mine && payTo) await this.startMining(payTo, c.threads);

    this.log.info(
      {
        network: this.params.name,
        datadir,
        peerId: this.net.peerId,
        listen: this.net.listenAddresses(),
        rpc: `http://${this.rpcAddress.host}:${this.rpcAddress.port}`,
        // The unauthenticated read-only pages on the same port, when enabled.
        web: c.web ? `http://${this.rpcAddress.host}:${this.rpcAddress.port}/` : undefined,
        rest: c.rest || undefined,
        metrics: c.metrics || undefined,
        height: this.chain.height,
        tip: hashToHex(this.chain.tip.hash),
        verify: activeBackendName(),
        // Why a faster backend is not in use (say, libsecp256k1's headers were missing at install).
        verifyFallbackReason: verifyFallbackReasons().join('; ') || undefined,
        dbcache: c.dbcache,
        hashing: this.kernel.name,
        // Why a faster kernel is not in use (say, no SHA extensions, or no C compiler at install).
        hashingFallbackReason: this.kernelFallbackReasons.join('; ') || undefined,
        mempool: loaded.accepted,
        mining: !!this.miner,
        txindex: !!this.txindex,
        stratum: this.stratum?.info().listening,
        // Only when shifted: a node living in another year should say so where people look first.
        clockOffset: this.config.clockOffset || undefined,
      },
      'powchain node started',
    );
  }

  /** Stop because storage failed or ran out: one error line, then a clean shutdown. */
  private fail(message: string): void {
    if (this.failure) return;
    this.failure = message;
    this.log.error(message);
    void this.stop();
  }

  private context(): NodeContext {
    return {
      config: this.config,
      params: this.params,
      chain: this.chain,
      mempool: this.mempool,
      net: this.net,
      log: this.log,
      miner: () => this.miner,
      startMining: (payTo, threads) => this.startMining(payTo, threads),
      stopMining: async () => {
        if (this.miner) this.metrics?.minerStopping();
        await this.miner?.close();
        this.miner = undefined;
      },
      kernel: this.kernel,
      clock: this.clock,
      startedAt: this.startedAt,
      submitBlock: (b) => this.submitBlock(b),
      submitTx: (tx) => this.submitTx(tx),
      requestStop: () => void this.stop(),
      stopping: this.stopController.signal,
      queries: this.queries,
      txindex: () => this.txindex,
      stratum: () => this.stratum,
    };
  }

  private async startStratum(): Promise<void> {
    const c = this.config;
    const [{ StratumServer }, { stratumBackend }] = await Promise.all([
      import('../stratum/index.js'),
      import('./stratum-backend.js'),
    ]);
    const backend = stratumBackend({
      chain: this.chain,
      queries: this.queries,
      mempool: this.mempool,
      clock: this.clock,
      submitBlock: (b) => this.submitBlock(b),
    });
    this.stratum = new StratumServer(backend, this.log, {
      host: c.stratumBind,
      port: c.stratumPort!,
      maxConnections: c.stratumMaxConnections,
      extranonce2Size: c.stratumExtranonce2Size,
      initialDifficulty: c.stratumDifficulty,
    });
    await this.stratum.start();
  }

  async startMining(payTo: Uint8Array, threads?: number): Promise<Miner> {
    if (this.miner) this.metrics?.minerStopping();
    await this.miner?.close();
    const miner = new Miner({ chain: this.chain, mempool: this.mempool, payTo, clock: this.clock, threads });
    miner.on('found', ({ block, result }) => {
      this.log.info(
        { hash: hashToHex(result.hash), status: result.status, height: 'height' in result ? result.height : undefined },
        'mined a block',
      );
      // A block that lost a race for the tip is stored on the side, and gossiped all the same.
      if (isAccepted(result))
        void this.net
          .publishBlock(block)
          .catch((err: Error) => this.log.warn({ err: err.message }, 'could not gossip a mined block'));
    });
    miner.on('error', (err) => this.log.error({ err }, 'miner stopped on an error'));
    await miner.start();
    this.miner = miner;
    this.metrics?.watchMiner(miner);
    this.log.info({ threads: miner.status().threads, kernel: miner.status().kernel }, 'mining started');
    return miner;
  }

  async submitBlock(block: Block) {
    const bytes = encodeBlock(block);
    const r = await this.chain.processBlock(block, { source: 'rpc', bytes });
    if (isAccepted(r)) void this.net.publishBlock(block, bytes).catch(() => undefined);
    return r;
  }

  async submitTx(tx: Transaction) {
    const r = await this.mempool.accept(tx);
    if (r.accepted) void this.net.publishTx(tx, r.bytes).catch(() => undefined);
    return r;
  }

  /**
   * Stop: mining first, then RPC and the network, then save the mempool and close the chain
   * (which waits for the batch in progress). Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('shutting down');
      this.stopController.abort();
      this.diskGuard?.stop();
      await this.stratum?.close().catch(() => undefined);
      await this.miner?.close().catch(() => undefined);
      this.pages?.close();
      this.memory?.stop();
      await this.rpc?.close().catch(() => undefined);
      await this.net?.stop().catch(() => undefined);
      if (this.mempoolFile) {
        try {
          this.mempoolFile.save();
        } catch (err) {
          this.log.error({ err }, 'could not save the mempool');
        }
        this.mempoolFile.stop();
      }
      await this.txindex?.close().catch(() => undefined);
      await this.chain?.close().catch(() => undefined);
      await this.pool?.close().catch(() => undefined);
      this.removeCookie?.();
      this.releaseLock?.();
      this.log.info('stopped');
      this.log.flush?.();
      this.resolveStopped();
    })();
    return this.stopping;
  }
}
