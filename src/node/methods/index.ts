/**
 * node/methods: the JSON-RPC method implementations, by name (bitcoind's where bitcoind has the
 * method). They parse their parameters, ask the chain, mempool, network and miner, and answer in
 * JSON; hashes become display hex here, at the edge.
 *
 * Part of node: may import what it may. src/rpc carries them; it never imports them.
 */
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { addressMethods } from './address.js';
import { blockchainMethods } from './blockchain.js';
import { controlMethods } from './control.js';
import { mempoolMethods } from './mempool.js';
import { miningMethods } from './mining.js';
import { networkMethods } from './network.js';
import { proofMethods } from './proofs.js';
import { statsMethods } from './stats.js';
import { templateMethods } from './template.js';
import { utilMethods } from './util.js';

/** Every RPC method, by name (bitcoind's names where bitcoind has the method). */
export function allMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const methods: Record<string, RpcMethod> = {
    ...blockchainMethods(ctx),
    ...mempoolMethods(ctx),
    ...networkMethods(ctx),
    ...miningMethods(ctx),
    ...addressMethods(ctx),
    ...templateMethods(ctx),
    ...proofMethods(ctx),
    ...statsMethods(ctx),
    ...utilMethods(ctx),
  };
  Object.assign(
    methods,
    controlMethods(ctx, () => methods),
  );
  return methods;
}
