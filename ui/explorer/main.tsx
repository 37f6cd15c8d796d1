import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useEvents } from '../shared/live.js';
import { AddressView } from './address.js';
import { BlockPage } from './block.js';
import { Page } from './common.js';
import { Home } from './home.js';
import { MempoolView, PeersView, TreePage } from './lists.js';
import { useRoute } from './route.js';
import { SearchBox } from './search.js';
import { TxView } from './tx.js';

/** Live events bump these counters; each view reloads what depends on the ones it watches. */
interface Versions {
  tip: number;
  tree: number;
  mempool: number;
  peers: number;
}

/** Events are applied at most this often, so a sync's thousands of blocks do not flood the page. */
const APPLY_MS = 300;
/** How long a new block's row stays highlighted. */
const FRESH_MS = 8_000;

function App() {
  const route = useRoute();
  const [v, setV] = useState<Versions>({ tip: 0, tree: 0, mempool: 0, peers: 0 });
  const [network, setNetwork] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const dirty = useRef<Partial<Record<keyof Versions, boolean>>>({});
  const mark = (...keys: (keyof Versions)[]) => keys.forEach((k) => (dirty.current[k] = true));
  useEffect(() => {
    const t = setInterval(() => {
      const d = dirty.current;
      if (!Object.keys(d).length) return;
      dirty.current = {};
      setV((old) => ({
        tip: old.tip + (d.tip ? 1 : 0),
        tree: old.tree + (d.tree ? 1 : 0),
        mempool: old.mempool + (d.mempool ? 1 : 0),
        peers: old.peers + (d.peers ? 1 : 0),
      }));
    }, APPLY_MS);
    return () => clearInterval(t);
  }, []);
  const live = useEvents('/api/events', {
    hello: (d) => setNetwork((d as { network: string }).network),
    tip: (d) => {
      const { hash, height } = d as { hash: string; height: number };
      mark('tip', 'tree', 'mempool');
      setAnnouncement(`New block at height ${height}`);
      setFresh((s) => new Set(s).add(hash));
      setTimeout(
        () =>
          setFresh((s) => {
            const next = new Set(s);
            next.delete(hash);
            return next;
          }),
        FRESH_MS,
      );
    },
    reorg: (d) => {
      const r = d as { forkHeight: number; disconnected: string[] };
      mark('tip', 'tree', 'mempool');
      setAnnouncement(`Reorganisation: ${r.disconnected.length} block(s) replaced above height ${r.forkHeight}`);
    },
    stored: () => mark('tree'),
    orphan: () => mark('tree'),
    invalid: () => mark('tree'),
    mempool: () => mark('mempool'),
    peers: () => mark('peers'),
  });
  useEffect(() => {
    document.title = network ? `powchain ${network} explorer` : 'powchain explorer';
  }, [network]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <div class="brand">
          <a href="#/">powchain</a> <span class="network">{network}</span>
        </div>
        <nav aria-label="Explorer">
          <a href="#/">Chain</a> <a href="#/tree">Block tree</a> <a href="#/mempool">Mempool</a>{' '}
          <a href="#/peers">Peers</a>
        </nav>
        <SearchBox />
        <span class={`live ${live}`} title="live updates from the node">
          {live === 'live' ? 'live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
      </header>
      <main id="main">
        {route.page === 'home' ? (
          <Home tipVersion={v.tip} mempoolVersion={v.mempool} peersVersion={v.peers} fresh={fresh} />
        ) : route.page === 'block' ? (
          <BlockPage id={route.id} tipVersion={v.tip} />
        ) : route.page === 'tx' ? (
          <TxView txid={route.txid} blockhash={route.blockhash} address={route.address} tipVersion={v.tip} />
        ) : route.page === 'address' ? (
          <AddressView address={route.address} tipVersion={v.tip} mempoolVersion={v.mempool} />
        ) : route.page === 'mempool' ? (
          <MempoolView version={v.mempool} />
        ) : route.page === 'peers' ? (
          <PeersView version={v.peers} tipVersion={v.tip} />
        ) : route.page === 'tree' ? (
          <TreePage version={v.tree} />
        ) : (
          <Page title="Not found" error={`There is no page ${route.path}.`} />
        )}
      </main>
      <div class="sr-only" aria-live="polite" id="announcer">
        {announcement}
      </div>
    </>
  );
}

// The static page shows a loading line until the app takes over its container.
const root = document.getElementById('app')!;
root.replaceChildren();
render(<App />, root);
