/**
 * Chain failures that are not consensus violations: the database belongs to another network or
 * schema, its state does not hang together, or the chain was opened with an option out of range. These never cost a peer its score.
 */
export type ChainErrorCode = 'wrong-network' | 'wrong-schema' | 'corrupt-state' | 'closed' | 'not-found' | 'bad-option';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  constructor(
    readonly code: ChainErrorCode,
    message: string,
  ) {
    super(message);
  }
}
