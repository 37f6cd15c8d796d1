/**
 * rpc: JSON-RPC transport only. The HTTP server (auth, body cap, batches, bitcoind error codes),
 * the client, exact amount formatting, cookie reading. It knows nothing of the chain, so the
 * wallet and the testnet can use the client without pulling in a node.
 *
 * May import: consensus (amounts), encoding, fsutil. Never chain, mempool, mining, net, node,
 * wallet or cli (dependency-cruiser: rpc-not-to-...).
 */
export { RpcServer, MAX_BODY_BYTES, type RpcMethod, type RpcServerOptions } from './server.js';
export { RpcClient, RpcConnectionError, type RpcClientOptions } from './client.js';
export { RpcError, RpcErrorCode } from './errors.js';
export { Coins, RawNumber, toJson, parseCoins, parseJsonExact } from './json.js';
