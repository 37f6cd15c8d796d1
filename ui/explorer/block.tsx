import { getJson } from '../shared/api.js';
import { bytes, coins, dateTime } from '../shared/format.js';
import { useLoad } from '../shared/live.js';
import { Facts, Hash, Page } from './common.js';
import { link } from './route.js';
import type { Block } from './types.js';

const STATUS = { main: 'on the main chain', side: 'on a side branch', invalid: 'invalid' } as const;

/** One block: its header, where it stands, and its transactions with their outputs. */
export function BlockPage(props: { id: string; tipVersion: number }) {
  const {
    data: b,
    error,
    loading,
  } = useLoad((s) => getJson<Block>(`/api/block/${encodeURIComponent(props.id)}`, s), [props.id, props.tipVersion]);
  return (
    <Page title={b ? `Block ${b.height}` : 'Block'} loading={loading} error={error}>
      {b ? (
        <>
          <p class={`status ${b.status}`}>This block is {STATUS[b.status]}.</p>
          <Facts
            rows={[
              ['Hash', <Hash value={b.hash} />],
              ['Confirmations', b.confirmations < 0 ? 'none (not on the main chain)' : b.confirmations],
              ['Time', dateTime(b.time)],
              ['Merkle root', <Hash value={b.merkleroot} />],
              [
                'Previous block',
                b.previousblockhash ? <Hash value={b.previousblockhash} href={link.block(b.previousblockhash)} /> : '—',
              ],
              [
                'Next block',
                b.nextblockhash ? <Hash value={b.nextblockhash} href={link.block(b.nextblockhash)} /> : '—',
              ],
              ['Difficulty', b.difficulty.toPrecision(8)],
              ['Bits', b.bits],
              ['Nonce', b.nonce],
              ['Size', bytes(b.size)],
              ['Transactions', b.nTx],
            ]}
          />
          <h2>Transactions</h2>
          <ol class="txs">
            {b.tx.map((t) => (
              <li key={t.txid}>
                <a class="hash" href={link.tx(t.txid, { blockhash: b.hash })}>
                  {t.txid}
                </a>
                <span class="note">
                  {t.vin[0]?.coinbase !== undefined
                    ? ' coinbase'
                    : ` ${t.vin.length} input${t.vin.length === 1 ? '' : 's'}`}
                </span>
                <ul>
                  {t.vout.map((o) => (
                    <li key={o.n}>
                      <a href={link.address(o.address)}>{o.address}</a> <span class="amount">{coins(o.value)}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </Page>
  );
}
