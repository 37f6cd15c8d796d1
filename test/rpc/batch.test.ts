/**
 * JSON-RPC batches on a real server over HTTP on 127.0.0.1: a run of calls to a method that keeps
 * its own order (`ordered`, as sendrawtransaction) starts at once, any other call waits for
 * everything before it, and the replies come back in the batch's order, each call's result or
 * error on its own (RpcClient.callBatchSettled).
 */
import { RpcClient } from '../../src/rpc/client.js';
import { RpcError, RpcErrorCode } from '../../src/rpc/errors.js';
import { RpcServer, type RpcMethod } from '../../src/rpc/server.js';

const CREDENTIALS = 'user:secret';

describe('RpcServer batches', () => {
  let server: RpcServer;
  let client: RpcClient;
  /** What happened, in order: `start submit 1`, `end submit 1`, `read`... */
  let events: string[];
  /** Calls to `submit` waiting for the test to let them finish. */
  let held: (() => void)[];

  beforeEach(async () => {
    events = [];
    held = [];
    const methods: Record<string, RpcMethod> = {
      submit: (params) => {
        const n = params[0] as number;
        events.push(`start submit ${n}`);
        return new Promise((resolve, reject) =>
          held.push(() => {
            events.push(`end submit ${n}`);
            if (n < 0) reject(new RpcError(RpcErrorCode.VerifyRejected, `refused ${n}`));
            else resolve(`accepted ${n}`);
          }),
        );
      },
      read: () => {
        events.push('read');
        return 'read';
      },
    };
    server = new RpcServer({
      host: '127.0.0.1',
      port: 0,
      credentials: () => [CREDENTIALS],
      methods,
      ordered: new Set(['submit']),
    });
    const { port } = await server.listen();
    client = new RpcClient({ url: `http://127.0.0.1:${port}/`, auth: CREDENTIALS });
  });

  afterEach(async () => {
    client.close();
    await server.close();
  });

  /** Let the held calls finish, oldest first, as soon as `count` have started. */
  async function release(count: number): Promise<void> {
    for (let tries = 0; held.length < count && tries < 2_000; tries++) await new Promise((r) => setTimeout(r, 5));
    expect(held.length).toBe(count);
    for (const finish of held.splice(0)) finish();
  }

  it('starts a run of ordered calls together, and waits for it before any other call', async () => {
    const reply = client.callBatchSettled([
      { method: 'submit', params: [1] },
      { method: 'submit', params: [2] },
      { method: 'submit', params: [-3] },
      { method: 'read' },
      { method: 'submit', params: [4] },
    ]);
    // All three submits started before any finished.
    await release(3);
    await release(1);
    const results = await reply;
    expect(events).toEqual([
      'start submit 1',
      'start submit 2',
      'start submit -3',
      'end submit 1',
      'end submit 2',
      'end submit -3',
      'read',
      'start submit 4',
      'end submit 4',
    ]);
    expect(results.slice(0, 2)).toEqual(['accepted 1', 'accepted 2']);
    expect(results[2]).toBeInstanceOf(RpcError);
    expect((results[2] as RpcError).message).toBe('refused -3');
    expect(results.slice(3)).toEqual(['read', 'accepted 4']);
  });

  it('throws the first error from callBatch, and answers unknown methods in place', async () => {
    const reply = client.callBatch([{ method: 'submit', params: [-1] }, { method: 'read' }]);
    await release(1);
    await expect(reply).rejects.toThrow('refused -1');
    const settled = await client.callBatchSettled([{ method: 'nope' }, { method: 'read' }]);
    expect((settled[0] as RpcError).code).toBe(RpcErrorCode.MethodNotFound);
    expect(settled[1]).toBe('read');
  });
});
