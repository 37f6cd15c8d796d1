import { Head, type Column } from '../shared/table.js';
import type { BlockArrival, DashboardPeer, DashboardState } from '../../src/testnet/dashboard/types.js';
import { hashRate, millis, short } from '../shared/format.js';

const CONDITION = {
  synced: 'at the best tip',
  behind: 'behind',
  forked: 'on another branch',
  down: 'stopped',
  starting: 'starting',
} as const;

/** Every peer: its tip, how far behind the best it is, its links, its miner. */
export function PeersTable({ peers }: { peers: DashboardPeer[] }) {
  return (
    <table class="list" id="dash-peers">
      <caption>Peers (a peer's number links to its own explorer)</caption>
      <Head
        cols={['Peer', 'Height', 'Tip', 'State', 'Connected to', ['Mempool', 'num'], ['Hash rate', 'num'], 'Feed']}
      />
      <tbody>
        {peers.map((p) => (
          <tr key={p.index} data-peer={p.index} data-condition={p.condition}>
            <th scope="row">
              <a href={p.web}>{p.index}</a>
              {p.miner ? ' (miner)' : ''}
            </th>
            <td>{p.height ?? '—'}</td>
            <td class="hash">{p.tip ? short(p.tip) : '—'}</td>
            <td class={p.condition === 'behind' ? 'behind' : p.condition === 'forked' ? 'fork' : undefined}>
              {CONDITION[p.condition]}
              {p.condition === 'behind' || p.condition === 'forked'
                ? ` (${p.behind} block${p.behind === 1 ? '' : 's'})`
                : ''}
              {p.error && p.condition !== 'down' ? ` — ${p.error}` : ''}
            </td>
            <td>{p.connectedTo.length ? p.connectedTo.join(', ') : '—'}</td>
            <td class="num">{p.mempool ?? '—'}</td>
            <td class="num">{p.miner ? hashRate(p.hashRate) : '—'}</td>
            <td>{p.feed}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Slow arrivals are marked: over this many milliseconds after the first peer had the block. */
const SLOW_MS = 1_000;

/** How long each new block took to reach each peer, newest first. */
export function PropagationTable({ rows, peers }: { rows: BlockArrival[]; peers: DashboardPeer[] }) {
  return (
    <table class="list" id="dash-propagation">
      <caption>Propagation: milliseconds from the first peer having a block to each peer having it (— not yet)</caption>
      <Head cols={['Block', 'First at', ...peers.map((p): Column => [`Peer ${p.index}`, 'num'])]} />
      <tbody>
        {rows.map((r) => (
          <tr key={r.hash}>
            <th scope="row">
              {r.height} <span class="hash">{r.hash.slice(0, 8)}</span>
            </th>
            <td>peer {r.first}</td>
            {r.delays.map((d, i) => (
              <td key={i} class={`delay${d !== null && d > SLOW_MS ? ' slow' : ''}`}>
                {d === null ? '—' : d === 0 ? 'first' : millis(d)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each miner's hash rate now and over the last minutes, as a small line. */
export function HashRates({ state }: { state: DashboardState }) {
  return (
    <table class="list" id="dash-hashrate">
      <caption>Hash rate per miner (the line: the last five minutes)</caption>
      <Head cols={['Miner', ['Now', 'num'], 'History']} />
      <tbody>
        {state.hashRates.length === 0 ? (
          <tr>
            <td colSpan={3}>No peer of this testnet mines on its own (regtest mines on demand).</td>
          </tr>
        ) : null}
        {state.hashRates.map(({ peer, samples }) => {
          const max = Math.max(1, ...samples.map((s) => s[1]));
          const pts = samples.map((s, i) => `${(i / Math.max(1, samples.length - 1)) * 200},${30 - (s[1] / max) * 28}`);
          const now = samples.at(-1)?.[1];
          return (
            <tr key={peer}>
              <th scope="row">peer {peer}</th>
              <td class="num">{hashRate(now)}</td>
              <td>
                <svg
                  class="spark"
                  width="200"
                  height="32"
                  role="img"
                  aria-label={`peer ${peer}: up to ${hashRate(max)}`}
                >
                  <polyline points={pts.join(' ')} />
                </svg>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const LANE = 22;
const LEFT = 70;
const WIDTH = 900;

/**
 * The last minutes as a timeline: one row per peer with its new tips (dots) and reorganisations
 * (red, with their depth), and faults from the fault log as bands across the rows they affect.
 */
export function Timeline({ state }: { state: DashboardState }) {
  const { from, to, events, faults } = state.timeline;
  const n = state.peers.length;
  const height = (n + 1) * LANE + 30;
  const x = (t: number) => LEFT + ((t - from) / Math.max(1, to - from)) * (WIDTH - LEFT - 10);
  const y = (peer: number) => 20 + peer * LANE;
  const visible = faults.filter((f) => (f.to ?? to) >= from);
  const span = Math.round((to - from) / 1000);
  const window = span >= 120 ? `${Math.round(span / 60)} minutes` : `${span} seconds`;
  // Labels stay inside the picture (a fault's is the longer).
  const labelX = (t: number, room = 110) => Math.min(x(t), WIDTH - room);
  return (
    <figure class="timeline">
      <svg width={WIDTH} height={height} role="img" aria-labelledby="timeline-cap">
        {visible.map((f) => {
          const rows = f.peers ?? f.sides?.flat() ?? state.peers.map((p) => p.index);
          const top = Math.min(...rows.map(y)) - LANE / 2;
          const bottom = Math.max(...rows.map(y)) + LANE / 2;
          return (
            <g class="fault" key={`${f.id}-${f.from}`}>
              <rect
                x={x(Math.max(from, f.from))}
                y={top}
                width={Math.max(2, x(f.to ?? to) - x(Math.max(from, f.from)))}
                height={bottom - top}
              />
              <text x={labelX(Math.max(from, f.from), 230) + 3} y={height - 8}>
                {f.fault}
                {f.sides ? ` ${f.sides.map((s) => s.join(',')).join(' | ')}` : ''}
                {f.to === undefined ? ' (in effect)' : ''}
              </text>
            </g>
          );
        })}
        {state.peers.map((p) => (
          <g key={p.index}>
            <line class="axis" x1={LEFT} x2={WIDTH - 10} y1={y(p.index)} y2={y(p.index)} />
            <text x={4} y={y(p.index) + 4}>
              peer {p.index}
            </text>
          </g>
        ))}
        {events
          .filter((e) => e.t >= from)
          .map((e, i) =>
            e.kind === 'tip' ? (
              <circle key={i} class="tipdot" cx={x(e.t)} cy={y(e.peer)} r={3} />
            ) : (
              <g key={i}>
                <rect class="reorgdot" x={x(e.t) - 4} y={y(e.peer) - 8} width={8} height={16} />
                <text x={labelX(e.t) + 6} y={y(e.peer) - 6}>
                  reorg {e.depth}
                </text>
              </g>
            ),
          )}
      </svg>
      <figcaption id="timeline-cap">
        The last {window}: new tips (blue dots) and reorganisations (red bars, with their depth) per peer; faults from{' '}
        {state.faultsFile} as shaded bands
        {state.faultLineErrors ? ` (${state.faultLineErrors} unreadable lines skipped)` : ''}.{' '}
        {visible.length === 0 ? 'No faults in this window.' : `${visible.length} fault(s) in this window.`}
      </figcaption>
    </figure>
  );
}
