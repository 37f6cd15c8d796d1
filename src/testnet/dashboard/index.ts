/**
 * testnet/dashboard: a browser page for a running testnet. A collector asks every peer for its
 * state over RPC each second and follows its live event feed and the testnet's fault log; a small
 * server built on src/web serves the page (ui/dashboard) and the collected state.
 *
 * Part of testnet: may import what it may (rpc client, web, fsutil, collections); it watches
 * nodes from outside, over RPC and HTTP, never through their code.
 */
import { join } from 'node:path';
import { TestnetError } from '../errors.js';
import { FAULTS_FILE } from '../fault-events.js';
import type { TestnetState } from '../state.js';
import { DashboardCollector } from './collector.js';
import { DashboardServer } from './server.js';

export type { DashboardState } from './types.js';

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * Start the testnet dashboard: a collector watching every peer and a web server for the page.
 * `faultsFile` defaults to the testnet's own fault log (faults.jsonl in its directory).
 */
export async function startDashboard(
  s: TestnetState,
  o: { host?: string; port: number; faultsFile?: string },
): Promise<RunningDashboard> {
  const collector = new DashboardCollector(s, o.faultsFile ?? join(s.dir, FAULTS_FILE));
  const server = new DashboardServer(collector);
  let addr;
  try {
    addr = await server.listen(o.host ?? '127.0.0.1', o.port);
  } catch (err) {
    await server.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new TestnetError(`cannot serve the dashboard on ${o.host ?? '127.0.0.1'}:${o.port}: the port is in use`);
    throw err;
  }
  collector.start();
  return {
    url: `http://${addr.host}:${addr.port}/`,
    close: async () => {
      collector.close();
      await server.close();
    },
  };
}
