import { render } from 'preact';
import { useState } from 'preact/hooks';
import type { DashboardState } from '../../src/testnet/dashboard/types.js';
import { useEvents } from '../shared/live.js';
import { TreeView } from '../shared/tree-view.js';
import { HashRates, PeersTable, PropagationTable, Timeline } from './panels.js';

/** One sentence on the network's health: converged, who is behind, partitions. */
function verdict(s: DashboardState): string {
  const up = s.peers.filter((p) => p.condition !== 'down' && p.condition !== 'starting');
  if (up.length === 0) return 'No peer is answering.';
  const parts: string[] = [];
  const behind = up.filter((p) => p.condition === 'behind');
  const forked = up.filter((p) => p.condition === 'forked');
  if (!behind.length && !forked.length)
    parts.push(`All ${up.length} running peers agree on the tip at height ${s.best?.height}.`);
  if (behind.length) parts.push(`Behind: ${behind.map((p) => `peer ${p.index} (${p.behind})`).join(', ')}.`);
  if (forked.length) parts.push(`On another branch: ${forked.map((p) => `peer ${p.index}`).join(', ')}.`);
  if (s.components.length > 1) parts.push(`Partitioned: ${s.components.map((c) => `[${c.join(',')}]`).join(' | ')}.`);
  const active = s.timeline.faults.filter((f) => f.to === undefined);
  if (active.length) parts.push(`Faults in effect: ${active.map((f) => f.fault).join(', ')}.`);
  return parts.join(' ');
}

function App() {
  const [state, setState] = useState<DashboardState | undefined>(undefined);
  const live = useEvents('/api/events', { state: (d) => setState(d as DashboardState) });
  if (!state)
    return (
      <main id="main">
        <h1>powchain testnet</h1>
        <p>{live === 'live' ? 'Waiting for the first poll of the peers…' : 'Connecting to the dashboard…'}</p>
      </main>
    );
  const marks: Record<string, string[]> = {};
  for (const p of state.peers) if (p.tip) (marks[p.tip] ??= []).push(`P${p.index}`);
  return (
    <>
      <header>
        <div class="brand">
          powchain <span class="network">{state.network} testnet dashboard</span>
        </div>
        <span class={`live ${live}`}>{live === 'live' ? 'live' : 'reconnecting…'}</span>
      </header>
      <main id="main">
        <h1 tabIndex={-1}>Testnet</h1>
        <p id="verdict" aria-live="polite">
          {verdict(state)}
        </p>
        <PeersTable peers={state.peers} />
        <h2>Block tree (each peer's tip marked P&lt;n&gt;)</h2>
        <TreeView
          blocks={state.tree.blocks}
          orphans={state.tree.orphans}
          tip={state.best?.hash ?? ''}
          marks={marks}
          title="the peers' shared block tree"
        />
        <h2>Timeline</h2>
        <Timeline state={state} />
        <div class="grid2">
          <section aria-labelledby="prop-h">
            <h2 id="prop-h">Propagation</h2>
            <PropagationTable rows={state.propagation} peers={state.peers} />
          </section>
          <section aria-labelledby="hash-h">
            <h2 id="hash-h">Miners</h2>
            <HashRates state={state} />
          </section>
        </div>
      </main>
    </>
  );
}

// The static page shows a loading line until the app takes over its container.
const root = document.getElementById('app')!;
root.replaceChildren();
render(<App />, root);
