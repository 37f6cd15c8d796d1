import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { METHOD_HELP } from './help.js';
import { p } from './params.js';

export function controlMethods(ctx: NodeContext, all: () => Record<string, RpcMethod>): Record<string, RpcMethod> {
  return {
    uptime: () => ctx.clock() - ctx.startedAt,
    stop: () => {
      // Answer first, then stop: the caller gets its reply before the server closes.
      setTimeout(() => ctx.requestStop(), 50);
      return 'powchain stopping';
    },
    help: (a) => {
      const command = a[0] === undefined || a[0] === null ? undefined : p.str(a, 0, 'command');
      if (command === undefined) return Object.keys(all()).sort().join('\n');
      const entry = Object.hasOwn(all(), command) ? METHOD_HELP[command] : undefined;
      if (!entry) throw new RpcError(RpcErrorCode.InvalidParameter, `help: unknown command: ${command}`);
      return `${entry.usage}\n\n${entry.summary}`;
    },
  };
}
