/**
 * Chain failures that are not consensus violations: the database belongs to another network or
 * schema, its state does not hang together (`corrupt-state`: run with --reindex), the chain is
 * closed, a block asked for is not known, an option is out of range, or the chain lock has as
 * many tasks waiting as it takes (`busy`: try again later). These never cost a peer its score.
 */
export type ChainErrorCode =
  'wrong-network' | 'wrong-schema' | 'corrupt-state' | 'closed' | 'not-found' | 'bad-option' | 'busy';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  constructor(
    readonly code: ChainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** State the database should hold and does not: a `corrupt-state` error that names the repair. */
export function corruptState(what: string): ChainError {
  return new ChainError(
    'corrupt-state',
    `chain state is inconsistent: ${what}; run the node with --reindex to rebuild it from the stored blocks`,
  );
}
