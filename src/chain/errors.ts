/**
 * Chain failures that are not consensus violations: the database belongs to another network or
 * schema, its state does not hang together (`corrupt-state`: run with --reindex-chainstate or
 * --reindex, as the message says), LevelDB found damage (`corrupt-db`), a stored block fails its
 * checksum (`damaged-block`), the disk is full or failing (`storage-failed`: the node stops), the
 * chain is closed, a block asked for is not known, an option is out of range, or the chain lock
 * has as many tasks waiting as it takes (`busy`: try again later). These never cost a peer its
 * score.
 */
export type ChainErrorCode =
  | 'wrong-network'
  | 'wrong-schema'
  | 'corrupt-state'
  | 'corrupt-db'
  | 'damaged-block'
  | 'storage-failed'
  | 'closed'
  | 'not-found'
  | 'bad-option'
  | 'busy';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  constructor(
    readonly code: ChainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * State the database should hold and does not: a `corrupt-state` error that names the repair.
 * `--reindex-chainstate` when the block index is sound and only what was derived from the blocks
 * is damaged; `--reindex` when the index itself is.
 */
export function corruptState(
  what: string,
  wayOut: '--reindex' | '--reindex-chainstate' = '--reindex-chainstate',
): ChainError {
  const rebuilds =
    wayOut === '--reindex'
      ? 'the block index and chain state from the block store'
      : 'the chain state from the stored blocks';
  return new ChainError(
    'corrupt-state',
    `chain state is inconsistent: ${what}; run the node once with ${wayOut} to rebuild ${rebuilds}`,
  );
}
