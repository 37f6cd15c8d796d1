import { getJson } from '../shared/api.js';
import { bytes, coins, dateTime } from '../shared/format.js';
import { useLoad } from '../shared/live.js';
import { Facts, Hash, Page } from './common.js';
import { link } from './route.js';
import type { TxPage } from './types.js';

/** One transaction: where it is, its fee, and who paid whom. */
export function TxView(props: { txid: string; blockhash?: string; address?: string; tipVersion: number }) {
  const hint = Object.entries({ blockhash: props.blockhash, address: props.address }).filter(
    (e): e is [string, string] => e[1] !== undefined,
  );
  const q = hint.length ? `?${new URLSearchParams(hint)}` : '';
  const {
    data: t,
    error,
    loading,
  } = useLoad(
    (s) => getJson<TxPage>(`/api/tx/${encodeURIComponent(props.txid)}${q}`, s),
    [props.txid, q, props.tipVersion],
  );
  return (
    <Page title="Transaction" loading={loading} error={error}>
      {t ? (
        <>
          <Facts
            rows={[
              ['Txid', <Hash value={t.txid} />],
              [
                'Status',
                t.status === 'mempool' ? (
                  'unconfirmed (in the mempool)'
                ) : (
                  <>
                    {t.confirmations} confirmation{t.confirmations === 1 ? '' : 's'} in block{' '}
                    <Hash value={t.blockhash!} href={link.block(t.blockhash!)} />
                  </>
                ),
              ],
              ...(t.blocktime ? [['Block time', dateTime(t.blocktime)] as [string, string]] : []),
              ['Fee', t.fee === null ? (t.inputs[0]?.coinbase ? 'none (coinbase)' : 'unknown') : coins(t.fee)],
              ['Size', bytes(t.size)],
              ['Lock time', t.locktime],
            ]}
          />
          <div class="columns">
            <section aria-labelledby="inputs-h">
              <h2 id="inputs-h">Inputs</h2>
              <ol class="io">
                {t.vin.map((i, n) => {
                  const info = t.inputs[n];
                  return (
                    <li key={n}>
                      {i.coinbase !== undefined ? (
                        <span>coinbase (new coins)</span>
                      ) : (
                        <>
                          <a href={link.address(info!.address!)}>{info!.address}</a>{' '}
                          <span class="amount">{coins(info!.value)}</span>
                          <br />
                          <span class="note">
                            spends{' '}
                            <a class="hash" href={link.tx(i.txid!, { address: info!.address })}>
                              {i.txid}
                            </a>
                            :{i.vout}
                          </span>
                        </>
                      )}
                    </li>
                  );
                })}
              </ol>
            </section>
            <section aria-labelledby="outputs-h">
              <h2 id="outputs-h">Outputs</h2>
              <ol class="io" start={0}>
                {t.vout.map((o) => (
                  <li key={o.n}>
                    <a href={link.address(o.address)}>{o.address}</a> <span class="amount">{coins(o.value)}</span>
                  </li>
                ))}
              </ol>
            </section>
          </div>
        </>
      ) : null}
    </Page>
  );
}
