/**
 * The memory benchmark's baseline: a Node process that loads everything `powchain node` loads
 * (the node module imports the chain, libp2p, classic-level, secp256k1, the RPC server, the
 * logger; commander for the command line) and then does nothing.
 */
import 'commander';
import '../node/node.js';

process.send?.('ready');
process.on('disconnect', () => process.exit(0));
setInterval(() => undefined, 1 << 30);
