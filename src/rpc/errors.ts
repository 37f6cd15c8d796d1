/** JSON-RPC error codes, as bitcoind uses them. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** RPC_MISC_ERROR */
  Misc: -1,
  /** RPC_TYPE_ERROR */
  Type: -3,
  /** RPC_INVALID_ADDRESS_OR_KEY: unknown block, transaction or bad address */
  InvalidAddressOrKey: -5,
  /** RPC_OUT_OF_MEMORY */
  OutOfMemory: -7,
  /** RPC_INVALID_PARAMETER */
  InvalidParameter: -8,
  /** RPC_DATABASE_ERROR */
  Database: -20,
  /** RPC_DESERIALIZATION_ERROR */
  Deserialization: -22,
  /** RPC_VERIFY_ERROR: general error during transaction or block submission */
  Verify: -25,
  /** RPC_VERIFY_REJECTED: transaction or block was rejected by network rules */
  VerifyRejected: -26,
  /** RPC_VERIFY_ALREADY_IN_CHAIN */
  VerifyAlreadyInChain: -27,
  /** RPC_IN_WARMUP */
  InWarmup: -28,
  /** RPC_CLIENT_IN_INITIAL_DOWNLOAD: still downloading blocks (getblocktemplate) */
  InInitialDownload: -10,
  /** RPC_CLIENT_NODE_ALREADY_ADDED */
  NodeAlreadyAdded: -23,
  /** RPC_CLIENT_NODE_NOT_ADDED */
  NodeNotAdded: -24,
  /** RPC_CLIENT_NODE_NOT_CONNECTED */
  NodeNotConnected: -29,
  /** RPC_CLIENT_INVALID_IP_OR_SUBNET */
  InvalidIpOrSubnet: -30,
  /** RPC_METHOD_NOT_FOUND for methods of another network kind (generatetoaddress off regtest) */
  NotOnThisNetwork: -32601,
} as const;

/** A JSON-RPC error with a bitcoind-style code and a readable message. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
