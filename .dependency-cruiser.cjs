/**
 * The layer arrows of docs/architecture.md, enforced: a wrong import fails `npm run lint`.
 *
 *   cli ─┬─> node ──> net ──┐
 *        │     │            ├─> chain ──> consensus ──> crypto, encoding
 *        │     ├─> mining ──┤
 *        │     ├─> rpc      └─> mempool ─> chain
 *        │     ├─> stratum ──> consensus, crypto, encoding, collections
 *        │     ├─> metrics ──> chain, mempool, net, mining (types and events)
 *        │     └─> web (HTTP helpers: routes, static pages, event streams)
 *        ├─> testnet ──> rpc/client, web (the dashboard)
 *        └─> wallet ──> consensus, crypto, rpc/client
 */
const layer = (name) => `^src/${name}/`;
const forbid = (from, to, comment) => ({
  name: `${from}-not-to-${to.join('-')}`.replace(/[^a-z-]/g, ''),
  comment,
  severity: 'error',
  from: { path: layer(from) },
  to: { path: `^src/(${to.join('|')})/` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    forbid(
      'fsutil',
      [
        'encoding',
        'crypto',
        'consensus',
        'chain',
        'mempool',
        'mining',
        'net',
        'rpc',
        'node',
        'wallet',
        'cli',
        'testnet',
        'bench',
      ],
      'fsutil is a leaf: file-system helpers only',
    ),
    forbid(
      'collections',
      [
        'fsutil',
        'encoding',
        'crypto',
        'consensus',
        'chain',
        'mempool',
        'mining',
        'net',
        'rpc',
        'node',
        'wallet',
        'cli',
        'testnet',
        'bench',
      ],
      'collections is a leaf: data structures only',
    ),
    forbid('consensus', ['fsutil'], 'consensus is pure: no file system'),
    forbid(
      'encoding',
      ['crypto', 'consensus', 'chain', 'mempool', 'mining', 'net', 'rpc', 'node', 'wallet', 'cli'],
      'encoding is the bottom layer',
    ),
    forbid(
      'crypto',
      ['consensus', 'chain', 'mempool', 'mining', 'net', 'rpc', 'node', 'wallet', 'cli'],
      'crypto only uses encoding',
    ),
    forbid(
      'consensus',
      ['chain', 'mempool', 'mining', 'net', 'rpc', 'node', 'wallet', 'cli'],
      'consensus is pure: no state, no I/O',
    ),
    forbid('chain', ['mempool', 'mining', 'net', 'rpc', 'node', 'wallet', 'cli'], 'chain knows nothing above it'),
    forbid('mempool', ['mining', 'net', 'rpc', 'node', 'wallet', 'cli'], 'mempool sits on chain only'),
    forbid(
      'mining',
      ['net', 'rpc', 'node', 'wallet', 'cli'],
      'the miner hands blocks to the chain; the node gossips them',
    ),
    forbid('net', ['mining', 'rpc', 'node', 'wallet', 'cli'], 'net carries chain and mempool data only'),
    forbid('rpc', ['node', 'wallet', 'cli'], 'rpc is wired by the node'),
    forbid(
      'stratum',
      ['fsutil', 'chain', 'mempool', 'mining', 'net', 'rpc', 'node', 'wallet', 'cli', 'testnet', 'bench'],
      'the Stratum server sees the node only through its StratumBackend',
    ),
    {
      name: 'only-node-imports-stratum',
      comment: 'the node wires the Stratum server; nothing else starts one',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(node|stratum)/' },
      to: { path: '^src/stratum/' },
    },
    forbid('node', ['cli', 'wallet', 'testnet'], 'node is the composition root below the cli'),
    forbid(
      'web',
      [
        'encoding',
        'crypto',
        'consensus',
        'chain',
        'mempool',
        'mining',
        'net',
        'rpc',
        'node',
        'metrics',
        'stratum',
        'wallet',
        'cli',
        'testnet',
        'bench',
      ],
      'web is HTTP plumbing for pages (routes, assets, event streams): it knows nothing of the chain',
    ),
    forbid(
      'metrics',
      ['node', 'rpc', 'web', 'wallet', 'cli', 'testnet', 'bench'],
      'metrics observe the parts the node wires; the node hands them over, never the other way round',
    ),
    forbid(
      '(encoding|crypto|consensus|chain|mempool|mining|net|rpc|stratum)',
      ['metrics', 'web'],
      'the layers below the node are observed through their events; they never import metrics or web pages',
    ),
    forbid(
      'wallet',
      ['chain', 'mempool', 'mining', 'net', 'node', 'cli', 'testnet'],
      'the wallet talks to a node over JSON-RPC only',
    ),
    forbid(
      'testnet',
      ['chain', 'mempool', 'mining', 'net', 'node', 'metrics', 'wallet', 'cli'],
      'the testnet drives nodes and wallets as processes, over RPC and their CLIs',
    ),
    forbid('rpc', ['chain', 'mempool', 'mining', 'net'], 'rpc is transport: the node implements the methods'),
    forbid('bench', ['cli'], 'the benchmarks are driven by the cli, never the other way round'),
    {
      name: 'hostile-peer-is-an-outsider',
      comment:
        'the hostile peer speaks the protocol from the docs and uses powchain only as a library (src/index.ts), never the node code it attacks',
      severity: 'error',
      from: { path: '^src/bench/hostile/' },
      to: { path: '^src/', pathNot: '^src/(index\\.ts|bench/hostile/)' },
    },
    {
      name: 'only-cli-imports-bench',
      comment: 'the benchmarks are a tool on top of everything: only the cli (powchain bench) may load them',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|bench)/' },
      to: { path: '^src/bench/' },
    },
    {
      name: 'consensus-no-io',
      comment: 'consensus code is pure: no filesystem, network, process or timers',
      severity: 'error',
      from: { path: '^src/(consensus|encoding)/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|os|timers)',
      },
    },
    {
      name: 'wallet-rpc-client-only',
      comment: 'the wallet may use the RPC client (and its errors and amounts), never the server',
      severity: 'error',
      from: { path: '^src/wallet/' },
      to: { path: '^src/rpc/server' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
