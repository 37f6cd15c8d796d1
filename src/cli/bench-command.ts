import { Argument, Command, InvalidArgumentError } from 'commander';
import { intArg } from './args.js';
import { BENCH_NAMES, runBenchmarks, type BenchName } from '../bench/index.js';

interface GossipArg {
  D: number;
  Dlo: number;
  Dhi: number;
  heartbeatMs: number;
}

/** `D,Dlo,Dhi,heartbeatMs`: whole numbers with Dlo <= D <= Dhi, D at least 1, a heartbeat of 50 ms to 10 s. */
function gossipArg(v: string): GossipArg {
  const parts = v.split(',');
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p)))
    throw new InvalidArgumentError('must be D,Dlo,Dhi,heartbeatMs (four whole numbers), e.g. 6,4,12,1000');
  const [D, Dlo, Dhi, heartbeatMs] = parts.map(Number) as [number, number, number, number];
  if (D < 1 || Dlo > D || D > Dhi || Dhi > 64) throw new InvalidArgumentError('needs 1 <= D, Dlo <= D <= Dhi <= 64');
  if (heartbeatMs < 50 || heartbeatMs > 10_000) throw new InvalidArgumentError('heartbeat must be 50 to 10000 ms');
  return { D, Dlo, Dhi, heartbeatMs };
}

/** `powchain bench [name] [--quick] [--json]`: measure speed and memory against in-process baselines. */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'measure hashing, verification, block connection, sync, propagation, 100-peer relay, mempool, memory, start-up costs and floods from a hostile peer (ratios against baselines run alongside)',
    )
    .addArgument(new Argument('[name]', 'which benchmark').choices([...BENCH_NAMES, 'all']).default('all'))
    .option('--quick', 'small sizes: every benchmark in under two minutes (what CI runs)')
    .option('--json', 'print the results as JSON instead of tables')
    .option(
      '--gossip <D,Dlo,Dhi,heartbeatMs>',
      'gossipsub mesh degrees and heartbeat for scale (default 6,4,12,1000)',
      gossipArg,
    )
    .option('--peers <n>', 'nodes for scale (default 100; 32 with --quick)', intArg(3, 400))
    .action(
      async (
        name: BenchName | 'all',
        opts: { quick?: boolean; json?: boolean; gossip?: GossipArg; peers?: number },
      ) => {
        await runBenchmarks({
          names: [name],
          quick: opts.quick === true,
          json: opts.json === true,
          ...(opts.gossip ? { gossip: opts.gossip } : {}),
          ...(opts.peers ? { peers: opts.peers } : {}),
        });
      },
    );
}
