/**
 * The child process of crash.test.ts, killed with SIGKILL at chosen moments. Not a test: the
 * parent transpiles it (with src/) into a temporary directory and runs it with plain Node.
 *
 *   node crash-child.js <chain dir> <script.json> <journal file> [stop-before-step]
 *   node crash-child.js <chain dir> --identity-only <journal file>
 *
 * It opens the chain and hands it the script's blocks in order with processBlock. Every event is
 * written to the journal with a synchronous write(): it is in the kernel once the call returns,
 * so it survives SIGKILL, and the parent, which follows the journal to decide when to kill, sees
 * it at once (stdout is asynchronous on a POSIX pipe and may lag). Each line ends with
 * ` @<ms since the process started>`. With CRASH_PAUSE_AT set the child stops itself right after
 * one chosen line, so the parent can kill it at exactly that point, or let it go on (SIGCONT) and
 * kill it a measured time later.
 *
 *   open                          before Chain.open
 *   ready <tip> <height>          Chain.open done
 *   again <i>                     step i's block is already stored (a resumed run)
 *   begin <i>                     processBlock of a new block starts
 *   batch-start <i> <ops>         a database batch of step i is handed to classic-level
 *   batch-end <i>                 ... and has been written
 *   done <i> <status> <main> <tip>
 *   end                           every step processed, chain closed
 *
 * With CRASH_BATCH=<n> the script's blocks go to chain.processBlocks in fixed groups of n (steps
 * 0..n-1, n..2n-1, ...: the same groups on every run, already stored blocks included, which come
 * back as duplicates). The journal then reads, per group:
 *
 *   begin-batch <first> <last>    processBlocks of steps first..last starts
 *   batch-start <label> <ops> <seq>  a database batch is handed to classic-level; <label> is the
 *                                 step whose block the batch makes the tip, or x<seq> for a batch
 *                                 that moves no tip (invalid marks, stored blocks only); <seq>
 *                                 counts the batches of this run
 *   batch-end <label>             ... and has been written
 *   done <i> <status> <main> <tip>   per block, once processBlocks returned
 *
 * `--identity-only` runs only the first part of a fresh Chain.open (ChainStore.open, which checks
 * or, in older versions, wrote the network and schema records) and kills itself: the database a
 * SIGKILL leaves at the instant before the genesis batch.
 */
import { openSync, readFileSync, writeSync } from 'node:fs';
import { Chain } from '../../src/chain/index.js';
import { ChainStore } from '../../src/chain/store.js';
import { decodeBlockWithTxids } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { networks } from '../../src/consensus/params/networks.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { keys } from '../../src/chain/layout.js';

/** What the parent writes: the blocks (hex) in the order to process them, and the clock. */
export interface CrashScript {
  now: number;
  blocks: string[];
}

const params = networks.regtest;
const [location, scriptArg, journalPath, stopArg] = process.argv.slice(2);
if (!location || !scriptArg || !journalPath)
  throw new Error('usage: crash-child <chain dir> <script.json|--identity-only> <journal> [stop-before]');
const journal = openSync(journalPath, 'a');

/** `CRASH_PAUSE_AT="<word> <step>"`: stop (SIGSTOP) right after noting that line. */
const pauseAt = process.env.CRASH_PAUSE_AT;

function note(line: string): void {
  writeSync(journal, `${line} @${performance.now().toFixed(3)}\n`);
  // A signal a process sends itself is delivered before kill() returns: nothing runs after this
  // until the parent sends SIGCONT or, more likely, SIGKILL.
  if (pauseAt !== undefined && line.split(' ').slice(0, 2).join(' ') === pauseAt) process.kill(process.pid, 'SIGSTOP');
}

async function identityOnly(dir: string): Promise<void> {
  const { store, fresh } = await ChainStore.open(dir, params);
  note(`identity-written fresh=${fresh} open=${store.isOpen}`);
  process.kill(process.pid, 'SIGKILL');
}

async function run(dir: string, scriptPath: string): Promise<void> {
  const script = JSON.parse(readFileSync(scriptPath, 'utf8')) as CrashScript;
  const stop = stopArg === undefined ? script.blocks.length : Number(stopArg);
  note('open');
  const verifier = new VerifyPool({ size: 1 });
  const chain = await Chain.open({ params, location: dir, verifier, clock: () => script.now });
  // Journal every batch, so the parent can kill while one is being written.
  let step = -1;
  // The chain's database, reached by name (Chain keeps it private) to journal its batches.
  const store = chain['state'].store;
  const batch = store.batch.bind(store);
  const groupSize = Number(process.env.CRASH_BATCH ?? 0);
  if (groupSize > 0) {
    const stepOf = new Map(
      script.blocks.map((hex, i) => [bytesToHex(headerHash(decodeBlockWithTxids(hexToBytes(hex)).header)), i]),
    );
    const tipKey = bytesToHex(keys.tip());
    let seq = 0;
    store.batch = async (ops) => {
      const n = seq++;
      const tip = ops.find((op) => op.type === 'put' && bytesToHex(op.key) === tipKey);
      const at = tip?.type === 'put' ? stepOf.get(bytesToHex(tip.value)) : undefined;
      const label = at === undefined ? `x${n}` : String(at);
      note(`batch-start ${label} ${ops.length} ${n}`);
      await batch(ops);
      note(`batch-end ${label}`);
    };
    note(`ready ${bytesToHex(chain.tip.hash)} ${chain.height}`);
    for (let first = 0; first < stop; first += groupSize) {
      const last = Math.min(first + groupSize, stop) - 1;
      const items = script.blocks.slice(first, last + 1).map((hex) => {
        const bytes = hexToBytes(hex);
        const block = decodeBlockWithTxids(bytes);
        return { block, opts: { bytes, txids: block.txids, source: 'crash-child' } };
      });
      note(`begin-batch ${first} ${last}`);
      const results = await chain.processBlocks(items);
      for (const [j, r] of results.entries()) {
        note(`done ${first + j} ${r.status} ${bytesToHex(chain.tip.hash)}`);
      }
    }
    await chain.close();
    await verifier.close();
    note('end');
    return;
  }
  store.batch = async (ops) => {
    const at = step;
    note(`batch-start ${at} ${ops.length}`);
    await batch(ops);
    note(`batch-end ${at}`);
  };
  note(`ready ${bytesToHex(chain.tip.hash)} ${chain.height}`);
  for (let i = 0; i < stop; i++) {
    const bytes = hexToBytes(script.blocks[i]!);
    const block = decodeBlockWithTxids(bytes);
    step = i;
    note(`${chain.entry(headerHash(block.header)) ? 'again' : 'begin'} ${i}`);
    const r = await chain.processBlock(block, { bytes, txids: block.txids, source: 'crash-child' });
    note(`done ${i} ${r.status} ${bytesToHex(chain.tip.hash)}`);
  }
  await chain.close();
  await verifier.close();
  note('end');
}

try {
  if (scriptArg === '--identity-only') await identityOnly(location);
  else await run(location, scriptArg);
} catch (err) {
  note(`error ${(err as Error).stack ?? String(err)}`.replaceAll('\n', ' | '));
  process.exitCode = 1;
}
