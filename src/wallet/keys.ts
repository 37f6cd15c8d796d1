import { HDKey, HARDENED_OFFSET } from '@scure/bip32';
import type { NetworkName, NetworkParams } from '../consensus/params/types.js';
import { encodeAddress } from '../crypto/address.js';
import { hash160 } from '../crypto/hash.js';

/**
 * BIP32 derivation on one fixed path per network:
 *
 *   m / 84' / coinType' / 0' / branch / index        branch 0 = receive, 1 = change
 *
 * The purpose is BIP84's (one single-key output type per address), the account is always 0,
 * and each network has its own coin type, so the same phrase never yields the same key on two
 * networks. The coin types mirror the default RPC ports.
 */
export const PURPOSE = 84;
export const COIN_TYPES: Readonly<Record<NetworkName, number>> = { main: 8732, testnet: 18732, regtest: 28732 };
export const ACCOUNT = 0;
export const RECEIVE = 0;
export const CHANGE = 1;
export type Branch = typeof RECEIVE | typeof CHANGE;

export function accountPath(network: NetworkName): string {
  return `m/${PURPOSE}'/${COIN_TYPES[network]}'/${ACCOUNT}'`;
}

export interface DerivedKey {
  branch: Branch;
  index: number;
  path: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  pubKeyHash: Uint8Array;
  address: string;
}

/** The keys of one wallet: derived from the seed on demand, cached. */
export class WalletKeys {
  private readonly branches: HDKey[];
  private readonly cache = new Map<string, DerivedKey>();
  /** BIP32 fingerprint of the master key, as 8 hex digits: the same phrase always gives the same one. */
  readonly fingerprint: string;
  readonly accountPath: string;

  constructor(
    seed: Uint8Array,
    readonly params: NetworkParams,
  ) {
    const master = HDKey.fromMasterSeed(seed);
    this.fingerprint = master.fingerprint.toString(16).padStart(8, '0');
    this.accountPath = accountPath(params.name);
    const account = master.derive(this.accountPath);
    this.branches = [account.deriveChild(RECEIVE), account.deriveChild(CHANGE)];
  }

  key(branch: Branch, index: number): DerivedKey {
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED_OFFSET)
      throw new RangeError(`address index ${index} out of range`);
    const id = `${branch}/${index}`;
    let k = this.cache.get(id);
    if (!k) {
      const node = this.branches[branch]!.deriveChild(index);
      const publicKey = node.publicKey!;
      const pubKeyHash = hash160(publicKey);
      k = {
        branch,
        index,
        path: `${this.accountPath}/${id}`,
        privateKey: node.privateKey!,
        publicKey,
        pubKeyHash,
        address: encodeAddress(this.params.addressHrp, pubKeyHash),
      };
      this.cache.set(id, k);
    }
    return k;
  }

  address(branch: Branch, index: number): string {
    return this.key(branch, index).address;
  }
}
