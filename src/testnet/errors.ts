/** An expected testnet failure: the CLI prints its message as one line, without a stack. */
export class TestnetError extends Error {
  override readonly name = 'TestnetError';
}
