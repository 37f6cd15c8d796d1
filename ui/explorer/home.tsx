import { Head } from '../shared/table.js';
import { getJson } from '../shared/api.js';
import { ago, bytes, hashRate, short } from '../shared/format.js';
import { useLoad } from '../shared/live.js';
import { Page } from './common.js';
import { link } from './route.js';
import type { Header, Summary } from './types.js';

/** The front page: the tip and chain at a glance, then the latest blocks (new ones highlighted). */
export function Home(props: { tipVersion: number; mempoolVersion: number; peersVersion: number; fresh: Set<string> }) {
  const summary = useLoad(
    (s) => getJson<Summary>('/api/summary', s),
    [props.tipVersion, props.mempoolVersion, props.peersVersion],
  );
  const blocks = useLoad((s) => getJson<Header[]>('/api/blocks?count=15', s), [props.tipVersion]);
  const c = summary.data?.chain;
  return (
    <Page title="Chain" loading={summary.loading} error={summary.error ?? blocks.error}>
      {c && summary.data ? (
        <dl class="cards">
          <div>
            <dt>Tip</dt>
            <dd>
              <a href={link.block(c.bestblockhash)} id="tip-height">
                {c.blocks}
              </a>{' '}
              <span class="hash">{short(c.bestblockhash)}</span>
            </dd>
          </div>
          <div>
            <dt>Last block</dt>
            <dd>{ago(c.time)}</dd>
          </div>
          <div>
            <dt>Difficulty</dt>
            <dd>{c.difficulty.toPrecision(6)}</dd>
          </div>
          <div>
            <dt>Network hash rate</dt>
            <dd>{hashRate(summary.data.mining.networkhashps)}</dd>
          </div>
          <div>
            <dt>Mempool</dt>
            <dd>
              <a href="#/mempool">{summary.data.mempool.size} tx</a> ({bytes(summary.data.mempool.bytes)})
            </dd>
          </div>
          <div>
            <dt>Peers</dt>
            <dd>
              <a href="#/peers">{summary.data.network.connections}</a>
            </dd>
          </div>
          <div>
            <dt>Syncing</dt>
            <dd>{c.initialblockdownload ? 'yes' : 'no'}</dd>
          </div>
        </dl>
      ) : null}
      <h2>Latest blocks</h2>
      <table class="list" id="latest-blocks">
        <Head cols={['Height', 'Hash', 'Time', ['Transactions', 'num'], ['Size', 'num']]} />
        <tbody>
          {(blocks.data ?? []).map((b) => (
            <tr key={b.hash} class={props.fresh.has(b.hash) ? 'fresh' : undefined} data-height={b.height}>
              <td>
                <a href={link.block(b.hash)}>{b.height}</a>
              </td>
              <td class="hash">{short(b.hash, 16)}</td>
              <td>{ago(b.time)}</td>
              <td class="num">{b.nTx}</td>
              <td class="num">{b.size === undefined ? '—' : bytes(b.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
