/**
 * mining: hashing kernels (WebAssembly SIMD and TypeScript), the worker-thread hasher pool, block
 * templates (the tip's child), the miner loop and on-demand generation. A found block goes to
 * chain.processBlock like any other; the node gossips it.
 *
 * May import: chain, mempool, consensus, crypto, encoding, fsutil. Never net, rpc, node, wallet or cli
 * (dependency-cruiser: mining-not-to-...).
 */
export { Miner, type MinerOptions, type MinerStatus, type MinerEvents } from './miner.js';
export { buildTemplate, templateBlock, headerBytes, type BlockTemplate } from './template.js';
export { generateBlocks } from './generate.js';
export { loadBestKernel, type HashKernel, type KernelName } from './kernel/index.js';
