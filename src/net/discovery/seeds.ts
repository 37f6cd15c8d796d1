import type { NetworkName } from '../../consensus/params/types.js';

/**
 * Built-in bootstrap peers per network, used when no `--bootstrap` is given and the address book
 * has nobody to dial. None are listed yet: no public powchain nodes run at fixed addresses, and an
 * invented address would send every new node to a stranger. A network's first nodes join with
 * `--bootstrap` (or `--peer`) and each other's address books do the rest.
 */
export const SEEDS: Readonly<Record<NetworkName, readonly string[]>> = {
  main: [],
  testnet: [],
  regtest: [],
};
