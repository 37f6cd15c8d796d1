/** Why an address, an address book file or a peer's address list was refused. */
export type DiscoveryErrorCode =
  /** Not a multiaddr this node can dial or announce (an IP or DNS name, then TCP). */
  | 'bad-address'
  /** The address book file cannot be read. */
  | 'unreadable'
  /** The address book file is larger than any book this node writes. */
  | 'too-large'
  /** The address book file is not the JSON this node writes. */
  | 'bad-format';

/** Discovery's one error class: bad addresses from the user, the address book file or a peer. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
