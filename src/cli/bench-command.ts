import { Argument, Command } from 'commander';
import { BENCH_NAMES, runBenchmarks, type BenchName } from '../bench/index.js';

/** `powchain bench [name] [--quick] [--json]`: measure speed and memory against in-process baselines. */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'measure hashing, verification, block connection, sync, propagation, mempool, memory, start-up costs and floods from a hostile peer (ratios against baselines run alongside)',
    )
    .addArgument(new Argument('[name]', 'which benchmark').choices([...BENCH_NAMES, 'all']).default('all'))
    .option('--quick', 'small sizes: every benchmark in under two minutes (what CI runs)')
    .option('--json', 'print the results as JSON instead of tables')
    .action(async (name: BenchName | 'all', opts: { quick?: boolean; json?: boolean }) => {
      await runBenchmarks({ names: [name], quick: opts.quick === true, json: opts.json === true });
    });
}
