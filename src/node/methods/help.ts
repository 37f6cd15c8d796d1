/**
 * One line of usage and one of purpose per RPC method, with its parameter names in order: what
 * `help METHOD` prints, and how named parameters (a JSON object instead of an array) map to
 * positions. docs/rpc.md describes the same methods at length; a test checks every method has
 * an entry here.
 */
export interface MethodHelp {
  /** Parameter names in positional order; optional ones are marked in `usage`. */
  params: string[];
  usage: string;
  summary: string;
}

const h = (params: string[], usage: string, summary: string): MethodHelp => ({ params, usage, summary });

export const METHOD_HELP: Record<string, MethodHelp> = {
  // blockchain
  getblockchaininfo: h(
    [],
    'getblockchaininfo',
    'State of the chain: network, height, best block, difficulty, chain work, sync state.',
  ),
  getbestblockhash: h([], 'getbestblockhash', 'Hash of the tip of the most-work valid chain.'),
  getblockcount: h([], 'getblockcount', 'Height of the tip (the genesis block is height 0).'),
  getblockhash: h(['height'], 'getblockhash height', 'Hash of the main-chain block at a height.'),
  getblock: h(
    ['blockhash', 'verbosity'],
    'getblock "blockhash" ( verbosity=1 )',
    'A block: 0 = hex, 1 = JSON with txids, 2 = JSON with decoded transactions.',
  ),
  getblockheader: h(
    ['blockhash', 'verbose'],
    'getblockheader "blockhash" ( verbose=true )',
    'A block header: JSON, or the 80 bytes as hex with verbose=false.',
  ),
  getchaintips: h([], 'getchaintips', 'Every known branch tip: active, valid-fork, valid-headers or invalid.'),
  getdifficulty: h([], 'getdifficulty', "The tip's difficulty, as a multiple of the network's easiest target."),
  gettxout: h(
    ['txid', 'n', 'include_mempool'],
    'gettxout "txid" n ( include_mempool=true )',
    'An unspent confirmed output, or null when spent (also by the mempool, unless include_mempool=false) or unknown.',
  ),
  gettxoutsetinfo: h([], 'gettxoutsetinfo', 'Statistics of the UTXO set with a hash of its contents.'),
  verifychain: h(
    ['checklevel', 'nblocks'],
    'verifychain ( checklevel=4 nblocks=6 )',
    'Re-check the last nblocks blocks (0 = all) against the stored state; true when consistent.',
  ),
  invalidateblock: h(
    ['blockhash'],
    'invalidateblock "blockhash"',
    'Mark a block and its descendants invalid and move to the best remaining chain.',
  ),
  reconsiderblock: h(
    ['blockhash'],
    'reconsiderblock "blockhash"',
    'Undo invalidateblock for a block and its descendants, and re-select the best chain.',
  ),
  getrawtransaction: h(
    ['txid', 'verbose', 'blockhash'],
    'getrawtransaction "txid" ( verbose=false "blockhash" )',
    'A mempool or confirmed transaction (found by the transaction index, or in the given block): hex, or JSON with verbose=true.',
  ),
  gettxoutproof: h(
    ['txids', 'blockhash'],
    'gettxoutproof ["txid",...] ( "blockhash" )',
    "A hex proof (bitcoind's merkle block format) that the transactions are in a block; found by the transaction index without blockhash.",
  ),
  verifytxoutproof: h(
    ['proof'],
    'verifytxoutproof "proof"',
    'The txids a proof commits to, when its block is on the main chain; [] when the proof does not hold.',
  ),
  getblockstats: h(
    ['hash_or_height', 'stats'],
    'getblockstats hash_or_height ( ["stat",...] )',
    'Statistics of a main-chain block: fees, fee rates, sizes, inputs, outputs (base units and bytes).',
  ),
  decoderawtransaction: h(
    ['hexstring'],
    'decoderawtransaction "hexstring"',
    'Decode a serialized transaction to JSON without checking it against the chain.',
  ),
  // mempool
  sendrawtransaction: h(
    ['hexstring'],
    'sendrawtransaction "hexstring"',
    'Validate a signed transaction, add it to the mempool and relay it; returns its txid.',
  ),
  getrawmempool: h(
    ['verbose'],
    'getrawmempool ( verbose=false )',
    'The txids in the mempool, or with verbose=true an object of entries by txid.',
  ),
  getmempoolinfo: h([], 'getmempoolinfo', 'Size, bytes and fee floor of the mempool.'),
  getmempoolentry: h(
    ['txid'],
    'getmempoolentry "txid"',
    'One mempool entry: size, fee, fee rate, time, parents and children in the pool.',
  ),
  estimatesmartfee: h(
    ['conf_target'],
    'estimatesmartfee conf_target',
    'Fee rate (coins per 1,000 bytes) to be mined within conf_target blocks, from the current mempool.',
  ),
  // network
  getpeerinfo: h([], 'getpeerinfo', 'The connected peers.'),
  getnetworkinfo: h(
    [],
    'getnetworkinfo',
    'Version, network tag, advertised addresses, reachability, peer id, connections (in/out), address book size and outbound peers, relay fee.',
  ),
  getconnectioncount: h([], 'getconnectioncount', 'Number of connected peers.'),
  getnodeaddresses: h(
    ['count'],
    'getnodeaddresses ( count )',
    'Known-good peers from the address book (default 1; 0 for all), most recently reached first.',
  ),
  addnode: h(
    ['node', 'command'],
    'addnode "node" "add|remove|onetry"',
    'Connect to a peer (multiaddr or host:port): once (onetry) or keep reconnecting (add/remove).',
  ),
  disconnectnode: h(
    ['node'],
    'disconnectnode "peerid|address"',
    'Close the connections to a peer, by peer id or address.',
  ),
  setban: h(
    ['peerid', 'command', 'bantime'],
    'setban "peerid" "add|remove" ( bantime=86400 )',
    'Ban a peer id for bantime seconds (disconnecting it), or lift a ban.',
  ),
  listbanned: h([], 'listbanned', 'The banned peer ids with their ban times and reasons.'),
  clearbanned: h([], 'clearbanned', 'Lift every ban.'),
  // mining
  getmininginfo: h(
    [],
    'getmininginfo',
    'Height, difficulty, estimated network hash rate, pool size and the state of the miner.',
  ),
  setgenerate: h(
    ['generate', 'genproclimit'],
    'setgenerate generate ( genproclimit )',
    'Start (true) or stop (false) the miner, paying --miner-address, on genproclimit threads.',
  ),
  generatetoaddress: h(
    ['nblocks', 'address'],
    'generatetoaddress nblocks "address"',
    'Regtest only: mine nblocks blocks now, paying address; returns their hashes.',
  ),
  getnetworkhashps: h(
    ['nblocks', 'height'],
    'getnetworkhashps ( nblocks=120 height=-1 )',
    'Estimated network hashes per second over the nblocks blocks up to height (-1: the tip).',
  ),
  getblocktemplate: h(
    ['template_request'],
    'getblocktemplate ( {"mode":"template"|"proposal","longpollid":"...","data":"hex"} )',
    'A block template for external miners (BIP 22/23), with long polling; proposal mode checks a block without storing it.',
  ),
  getstratuminfo: h(
    [],
    'getstratuminfo',
    'The Stratum server: connections, current template, and per worker shares, rejects, blocks and hash rate.',
  ),
  submitblock: h(
    ['hexdata'],
    'submitblock "hexdata"',
    'Submit a serialized block: null when it connected, else duplicate, inconclusive or the reject reason.',
  ),
  // address index
  getaddressutxos: h(
    ['address', 'include_mempool'],
    'getaddressutxos "address" ( include_mempool=false )',
    "The address's unspent outputs; with include_mempool, unconfirmed ones too and pool-spent ones removed.",
  ),
  getaddressbalance: h(
    ['address'],
    'getaddressbalance "address"',
    'Balance of an address: total, spendable, immature coinbase, unconfirmed change, total received.',
  ),
  getaddresshistory: h(
    ['address'],
    'getaddresshistory "address"',
    'Transactions paying to or spending from the address, oldest first, then unconfirmed ones.',
  ),
  // util
  validateaddress: h(
    ['address'],
    'validateaddress "address"',
    'Whether a string is an address of this network, and the pubKeyHash it pays to.',
  ),
  // control
  uptime: h([], 'uptime', 'Seconds since the node started.'),
  stop: h([], 'stop', 'Shut the node down cleanly.'),
  help: h(['command'], 'help ( "command" )', 'The method names, or the usage of one method.'),
};

/**
 * Named parameters (`"params": {"height": 5}`) to positions, by the method's parameter names.
 * Returns an error message for a name the method does not take.
 */
export function namedToPositional(method: string, named: Record<string, unknown>): unknown[] | string {
  const names = METHOD_HELP[method]?.params;
  if (!names) return `${method} does not take named parameters`;
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(named)) {
    const i = names.indexOf(k);
    if (i < 0) return `Unknown named parameter ${k}`;
    out[i] = v;
  }
  // Holes for skipped optional parameters become null: the readers take their defaults.
  return Array.from({ length: out.length }, (_, i) => (i in out ? out[i] : null));
}
