import { Head } from '../shared/table.js';
import { getJson } from '../shared/api.js';
import { coins } from '../shared/format.js';
import { useLoad } from '../shared/live.js';
import { Facts, Page } from './common.js';
import { link } from './route.js';
import type { AddressPage } from './types.js';

/** One address: its balance, its latest transactions (newest first) and its unspent coins. */
export function AddressView(props: { address: string; tipVersion: number; mempoolVersion: number }) {
  const {
    data: a,
    error,
    loading,
  } = useLoad(
    (s) => getJson<AddressPage>(`/api/address/${encodeURIComponent(props.address)}`, s),
    [props.address, props.tipVersion, props.mempoolVersion],
  );
  return (
    <Page title="Address" loading={loading} error={error}>
      <p class="hash">{props.address}</p>
      {a ? (
        <>
          <Facts
            rows={[
              ['Balance', coins(a.balance.balance)],
              ['Spendable', coins(a.balance.spendable)],
              ['Immature (young coinbase)', coins(a.balance.immature)],
              ['Unconfirmed change', coins(a.balance.unconfirmed)],
              ['Received in total', coins(a.balance.received)],
              ['Transactions', a.transactions],
            ]}
          />
          <h2>History</h2>
          <table class="list" id="address-history">
            <caption>
              {a.history.length < a.transactions ? `The latest ${a.history.length} of ${a.transactions}` : 'All'},
              newest first
            </caption>
            <Head cols={['Transaction', 'Height', ['Received', 'num'], ['Sent', 'num']]} />
            <tbody>
              {a.history.map((h) => (
                <tr key={h.txid}>
                  <td>
                    <a class="hash" href={link.tx(h.txid, { blockhash: h.blockhash, address: a.address })}>
                      {h.txid}
                    </a>
                  </td>
                  <td>{h.height < 0 ? 'mempool' : <a href={link.block(h.height)}>{h.height}</a>}</td>
                  <td class="num amount">{coins(h.received)}</td>
                  <td class="num amount">{coins(h.sent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Unspent coins</h2>
          <table class="list">
            <caption>
              {a.utxos.length < a.unspent ? `The first ${a.utxos.length} of ${a.unspent}` : `${a.unspent} coins`}
            </caption>
            <Head cols={['Output', 'Confirmations', ['Value', 'num']]} />
            <tbody>
              {a.utxos.map((u) => (
                <tr key={`${u.txid}:${u.outputIndex}`}>
                  <td>
                    <a class="hash" href={link.tx(u.txid, { address: a.address })}>
                      {u.txid}
                    </a>
                    :{u.outputIndex}
                    {u.coinbase ? ' (coinbase)' : ''}
                  </td>
                  <td>{u.confirmations}</td>
                  <td class="num amount">{coins(u.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}
