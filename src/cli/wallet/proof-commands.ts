/** `powchain wallet prove` and `verify-proof`: merkle proofs made from and checked against a node. */
import { verifyProof, prove } from '../../wallet/proof.js';
import { UsageError } from '../errors.js';
import { clientFor } from '../rpc-command.js';
import { note, print, type Ctx } from './context.js';

export async function proveCommand(ctx: Ctx, txid: string): Promise<void> {
  const rpc = clientFor(ctx.opts);
  const r = await prove(rpc, ctx.params, txid, ctx.opts.blockhash);
  print(ctx, { txid, blockhash: r.blockhash, proof: r.proof }, r.proof);
  note(ctx, `proof that ${txid} is in block ${r.blockhash}; check it with: powchain wallet verify-proof <proof>`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A proof of every transaction of a full block is far below this.
    if (size > 4 * 1024 * 1024) throw new UsageError('the proof on stdin is larger than 4 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function verifyProofCommand(ctx: Ctx, proofArg: string): Promise<void> {
  const proof = proofArg === '-' ? await readStdin() : proofArg;
  const rpc = clientFor(ctx.opts);
  const r = await verifyProof(rpc, ctx.params, proof, Math.floor(Date.now() / 1000), (height, tip) => {
    if (!ctx.opts.json && tip >= 2_000) process.stderr.write(`\rchecking headers ${height}/${tip}`);
  });
  if (!ctx.opts.json && r.headers >= 2_000) process.stderr.write('\n');
  print(
    ctx,
    { valid: true, ...r },
    [
      `valid: ${r.txids.join(', ')}`,
      `in block ${r.blockhash} at height ${r.height} (${r.confirmations} confirmation${r.confirmations === 1 ? '' : 's'})`,
      `checked ${r.headers + 1} headers from genesis: links, proof of work, difficulty and times (chain work ${r.chainwork})`,
    ].join('\n'),
  );
}
