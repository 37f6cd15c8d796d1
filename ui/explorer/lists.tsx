import { Head } from '../shared/table.js';
import { getJson } from '../shared/api.js';
import { ago, bytes, coins, short } from '../shared/format.js';
import { useLoad } from '../shared/live.js';
import { TreeView } from '../shared/tree-view.js';
import { Facts, Page } from './common.js';
import { link } from './route.js';
import type { MempoolPage, Peer, Tree } from './types.js';
import { useState } from 'preact/hooks';

/** The newest unconfirmed transactions. */
export function MempoolView(props: { version: number }) {
  const { data: m, error, loading } = useLoad((s) => getJson<MempoolPage>('/api/mempool', s), [props.version]);
  return (
    <Page title="Mempool" loading={loading} error={error}>
      {m ? (
        <>
          <Facts
            rows={[
              ['Transactions', m.info.size],
              ['Size', bytes(m.info.bytes)],
              ['Limit', bytes(m.info.maxmempool)],
              ['Minimum fee rate', `${coins(m.info.mempoolminfee)} per kB`],
            ]}
          />
          <table class="list" id="mempool-txs">
            <caption>The newest {m.txs.length}</caption>
            <Head cols={['Transaction', 'Arrived', ['Size', 'num'], ['Fee', 'num'], ['Paid out', 'num']]} />
            <tbody>
              {m.txs.map((t) => (
                <tr key={t.txid}>
                  <td>
                    <a class="hash" href={link.tx(t.txid)}>
                      {short(t.txid, 16)}
                    </a>
                  </td>
                  <td>{ago(t.time)}</td>
                  <td class="num">{bytes(t.size)}</td>
                  <td class="num amount">{coins(t.fee)}</td>
                  <td class="num amount">{coins(t.outputs.reduce((s, o) => s + o.value, 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}

/** The connected peers: direction, round trip, misbehaviour score, their height. */
export function PeersView(props: { version: number; tipVersion: number }) {
  const { data, error, loading } = useLoad((s) => getJson<Peer[]>('/api/peers', s), [props.version, props.tipVersion]);
  return (
    <Page title="Peers" loading={loading} error={error}>
      <table class="list" id="peers">
        <caption>{data ? `${data.length} connected` : ''}</caption>
        <Head
          cols={[
            'Peer',
            'Address',
            'Direction',
            ['Latency', 'num'],
            ['Penalty', 'num'],
            ['Height', 'num'],
            'Connected',
          ]}
        />
        <tbody>
          {(data ?? []).map((p) => (
            <tr key={p.peerid}>
              <td class="hash" title={p.peerid}>
                {short(p.peerid, 10)}
              </td>
              <td class="hash">{p.addr.replace(/\/p2p\/.*/, '')}</td>
              <td>{p.inbound ? 'inbound' : 'outbound'}</td>
              <td class="num">{p.pingtime === undefined ? '—' : `${(p.pingtime * 1000).toFixed(1)} ms`}</td>
              <td class="num">{Math.round(p.banscore)}</td>
              <td class="num">{p.synced_blocks < 0 ? '—' : p.synced_blocks}</td>
              <td>{ago(p.conntime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

const DEPTHS = [10, 30, 100];

/** The recent chain as a tree: side branches and orphans visible, the main chain on top. */
export function TreePage(props: { version: number }) {
  const [depth, setDepth] = useState(30);
  const { data, error, loading } = useLoad((s) => getJson<Tree>(`/api/tree?depth=${depth}`, s), [props.version, depth]);
  const sides = data ? data.blocks.filter((b) => b.status !== 'main').length : 0;
  return (
    <Page title="Block tree" loading={loading} error={error}>
      <p>
        <label for="depth">Heights shown </label>
        <select id="depth" value={depth} onChange={(e) => setDepth(Number((e.target as HTMLSelectElement).value))}>
          {DEPTHS.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>{' '}
        <span id="tree-summary">
          {data
            ? `${data.blocks.length} blocks from height ${data.from}; ${sides} off the main chain; ${data.orphans.length} orphans`
            : ''}
        </span>
      </p>
      {data ? (
        <TreeView
          blocks={data.blocks}
          orphans={data.orphans}
          tip={data.tip.hash}
          href={(h) => link.block(h)}
          title={`block tree from height ${data.from} to ${data.tip.height}`}
        />
      ) : null}
    </Page>
  );
}
