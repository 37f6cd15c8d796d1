import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** The testnet's fault log in its directory, read by the dashboard (docs/explorer.md). */
export const FAULTS_FILE = 'faults.jsonl';

/** One line of a fault log: a fault begins (`fault`) or ends (`heal`; without `id`: all of them). */
export type FaultEvent =
  | { t: number; type: 'fault'; id: string; fault: string; peers?: number[]; sides?: number[][]; detail?: string }
  | { t: number; type: 'heal'; id?: string; detail?: string };

/**
 * Append an event to the testnet's fault log. One write of one line: appends of a line this short
 * are not interleaved with another writer's, so a fault injector may write the same file.
 */
export function appendFault(dir: string, e: FaultEvent): void {
  appendFileSync(join(dir, FAULTS_FILE), `${JSON.stringify(e)}\n`);
}
