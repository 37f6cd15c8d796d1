export { RpcServer, MAX_BODY_BYTES, type RpcMethod, type RpcServerOptions } from './server.js';
export { RpcClient, RpcConnectionError, type RpcClientOptions } from './client.js';
export { RpcError, RpcErrorCode } from './errors.js';
export { Coins, RawNumber, toJson, parseCoins, parseJsonExact } from './json.js';
