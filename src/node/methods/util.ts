import { AddressError, decodeAddress } from '../../crypto/address.js';
import { bytesToHex } from '../../encoding/hex.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { p } from './params.js';

/** validateaddress, as bitcoind's: whether a string is an address of this network, and what it pays. */
export function utilMethods(ctx: NodeContext): Record<string, RpcMethod> {
  return {
    validateaddress: (a) => {
      const address = p.str(a, 0, 'address');
      try {
        const pkh = decodeAddress(address, ctx.params.addressHrp);
        return { isvalid: true, address, pubkeyhash: bytesToHex(pkh), isscript: false, iswitness: false };
      } catch (err) {
        if (!(err instanceof AddressError)) throw err;
        return { isvalid: false, error: err.message };
      }
    },
  };
}
