import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';

export function controlMethods(ctx: NodeContext, all: () => Record<string, RpcMethod>): Record<string, RpcMethod> {
  return {
    uptime: () => ctx.clock() - ctx.startedAt,
    stop: () => {
      // Answer first, then stop: the caller gets its reply before the server closes.
      setTimeout(() => ctx.requestStop(), 50);
      return 'powchain stopping';
    },
    help: () => Object.keys(all()).sort().join('\n'),
  };
}
