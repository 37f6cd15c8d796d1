import type { ReindexEvent } from '../chain/reindex.js';
import { hashToHex } from '../encoding/hex.js';
import type { Logger } from './logger.js';

/** What each reindex report means to the operator (the level and the message). */
const REPORTS: { [K in Exclude<ReindexEvent['type'], 'progress'>]: ['info' | 'warn', string] } = {
  'repaired-block-store': ['warn', 'the block store did not open; repaired it, keeping every record still readable'],
  'salvaged-block-store': [
    'warn',
    'the block store could not be read past its damage even repaired; kept what was readable in a new one, the old one moved aside',
  ],
  'migrated-blocks': ['info', 'moved the blocks of an older database into the block store'],
  'damaged-block': ['warn', 'a stored block is damaged; dropped it, it is downloaded again from a peer'],
  'unlinked-blocks': ['warn', 'stored blocks after a missing or damaged one are not indexed; sync fetches them again'],
  'old-index-unreadable': ['warn', 'the old block index could not be read; rebuilding it from the block store alone'],
};

/** Log a reindex's progress (every 500 blocks and at the end) and each of its reports, once. */
export function logReindexEvent(log: Logger, e: ReindexEvent): void {
  if (e.type === 'progress') {
    if (e.height % 500 === 0 || e.height === e.target)
      log.info({ height: e.height, target: e.target }, 'reindex progress');
    return;
  }
  const { type, ...fields } = e;
  const [level, message] = REPORTS[type];
  const shown = 'hash' in fields ? { ...fields, hash: hashToHex(fields.hash) } : fields;
  log[level](shown, message);
}
