import type { NetworkParams } from '../../consensus/params/types.js';
import type { Host } from '../host.js';
import { networkTag } from '../protocol.js';
import type { ReqResp } from '../reqresp.js';
import { AddressBook } from './address-book.js';
import { Discovery, type DiscoveryOptions } from './discovery.js';
import { DEFAULT_OUTBOUND } from './outbound.js';
import { SEEDS } from './seeds.js';

export interface OpenDiscoveryOptions extends Pick<
  DiscoveryOptions,
  'allowPrivate' | 'isPinned' | 'isBanned' | 'penalise' | 'onError'
> {
  host: Host;
  reqresp: ReqResp;
  params: NetworkParams;
  statusProtocol: string;
  /** Where addresses.json lives; undefined keeps the address book in memory (tests). */
  datadir?: string;
  clock: () => number;
  /** --bootstrap; undefined: the network's built-in seeds. */
  bootstrap?: string[];
  /** --max-outbound and --max-outbound-per-group; undefined: DEFAULT_OUTBOUND. */
  maxOutbound?: number;
  maxOutboundPerGroup?: number;
  /** The address book on disk was damaged and set aside: the node goes on with an empty one. */
  onWarning(err: Error): void;
}

/** A node's discovery: its address book (from the datadir), peer exchange, the DHT walks and the outbound keeper. */
export function openDiscovery(o: OpenDiscoveryOptions): Discovery {
  let book: AddressBook;
  if (o.datadir) {
    const loaded = AddressBook.load(o.datadir, o.clock);
    book = loaded.book;
    if (loaded.error) o.onWarning(loaded.error);
  } else book = AddressBook.inMemory(o.clock);
  return new Discovery({
    host: o.host,
    reqresp: o.reqresp,
    book,
    protocol: `/powchain/${networkTag(o.params)}/addrs/1`,
    statusProtocol: o.statusProtocol,
    bootstrap: o.bootstrap ?? SEEDS[o.params.name],
    allowPrivate: o.allowPrivate,
    target: o.maxOutbound ?? DEFAULT_OUTBOUND.target,
    maxPerGroup: o.maxOutboundPerGroup ?? DEFAULT_OUTBOUND.maxPerGroup,
    isPinned: o.isPinned,
    isBanned: o.isBanned,
    penalise: o.penalise,
    onError: o.onError,
  });
}
