import { Command, Option } from 'commander';
import {
  down,
  heal,
  kill,
  logs,
  mine,
  partition,
  requireState,
  restart,
  send,
  TestnetError,
  up,
  upInNamespaces,
} from '../testnet/commands.js';
import { collectStatus, renderStatus } from '../testnet/status.js';
import { startDashboard, type RunningDashboard } from '../testnet/dashboard/index.js';
import { portFree } from '../testnet/processes.js';
import { loadState } from '../testnet/state.js';
import { intArg } from './args.js';
import { addChaosCommands } from './chaos-command.js';
import { UsageError } from './errors.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Run a testnet action, turning its expected failures into one-line errors. */
async function guard<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TestnetError) throw new UsageError(err.message);
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): { signal: AbortSignal } {
  const stop = new AbortController();
  const onSig = () => stop.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  return stop;
}

/** The dashboard's port unless told: the one below the testnet's first peer port. */
const dashboardPort = (basePort: number, given?: number) => given ?? basePort - 1;

/** Redraw the status table every second until Ctrl-C, then stop every peer (and the dashboard). */
async function watchTable(dir: string, dashboard?: RunningDashboard, stop = untilSignal()): Promise<void> {
  const tty = process.stdout.isTTY;
  say('watching the testnet: Ctrl-C stops every peer');
  let ticks = 0;
  while (!stop.signal.aborted) {
    const rows = await collectStatus(requireState(dir));
    // On a terminal, redraw in place; in a log, print every tenth refresh.
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${renderStatus(rows)}\n(Ctrl-C to stop)\n`);
    else if (ticks % 10 === 0) say(renderStatus(rows));
    ticks++;
    await new Promise<void>((r) => {
      const t = setTimeout(r, 1_000);
      stop.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  await dashboard?.close();
  say('stopping every peer...');
  await down(dir, say);
}

export function testnetCommand(): Command {
  const cmd = new Command('testnet').description('run a local network of peers as separate processes on 127.0.0.1');
  const dirOpt = () => new Option('--dir <dir>', 'testnet directory').default('./.testnet');
  cmd
    .command('up')
    .description('start (or resume) the peers; shows a live table until Ctrl-C unless --detach')
    .addOption(new Option('--nodes <n>', 'number of peers').default(4).argParser(intArg(1, 64)))
    .addOption(new Option('--miners <n>', 'how many of them mine').default(2).argParser(intArg(0, 64)))
    .addOption(new Option('--network <name>', 'network').choices(['testnet', 'regtest']).default('testnet'))
    .addOption(dirOpt())
    .addOption(
      new Option('--base-port <n>', 'first port; peer i uses base+2i (p2p) and base+2i+1 (rpc)')
        .default(19000)
        .argParser(intArg(1024, 65000)),
    )
    .addOption(new Option('--threads <n>', 'hashing threads per miner').default(1).argParser(intArg(1, 64)))
    .option('--detach', 'return after start-up and leave the peers running')
    .option(
      '--netns',
      'each peer a host of its own: a network namespace with its own IP on a bridge; peers find each other from one bootstrap peer by discovery (Linux, root; the namespaces are removed on exit)',
    )
    .option('--dashboard', 'serve the testnet dashboard in the browser while the table runs')
    .addOption(
      new Option('--dashboard-port <n>', 'dashboard port on 127.0.0.1 (default: base port - 1)').argParser(
        intArg(0, 65535),
      ),
    )
    .action(
      async (
        o: {
          nodes: number;
          miners: number;
          network: 'testnet' | 'regtest';
          dir: string;
          basePort: number;
          threads: number;
          detach?: boolean;
          netns?: boolean;
          dashboard?: boolean;
          dashboardPort?: number;
        },
        c: Command,
      ) => {
        const given = {
          nodes: c.getOptionValueSource('nodes') === 'cli',
          network: c.getOptionValueSource('network') === 'cli',
        };
        if (o.netns && o.detach)
          throw new UsageError('--netns runs in the foreground: its namespaces are removed when it exits');
        if (o.dashboard && o.detach)
          throw new UsageError(
            "--dashboard runs in the foreground: leave out --detach, or start it later with 'powchain testnet dashboard'",
          );
        // The dashboard's port is checked first: peers are not started for a dashboard that cannot be.
        const wantedPort = dashboardPort(loadState(o.dir)?.basePort ?? o.basePort, o.dashboardPort);
        if (o.dashboard && wantedPort !== 0 && !(await portFree(wantedPort)))
          throw new UsageError(`the dashboard port ${wantedPort} is in use; choose another --dashboard-port`);
        if (o.netns) {
          // Heard from here on: a Ctrl-C during start-up lets it finish, then removes everything.
          const stop = untilSignal();
          const lab = await guard(() => upInNamespaces({ ...o, given }, say));
          try {
            const dashboard =
              o.dashboard && !stop.signal.aborted
                ? await guard(() => startDashboard(lab.state, { port: wantedPort }))
                : undefined;
            if (dashboard) say(`dashboard: ${dashboard.url}`);
            await watchTable(o.dir, dashboard, stop);
          } finally {
            await lab.close();
          }
          return;
        }
        const state = await guard(() => up({ ...o, given }, say));
        if (o.detach) {
          say(
            `testnet running in the background; 'powchain testnet status --dir ${o.dir}' shows it, 'powchain testnet down --dir ${o.dir}' stops it`,
          );
          return;
        }
        let dashboard: RunningDashboard | undefined;
        if (o.dashboard) {
          dashboard = await guard(() => startDashboard(state, { port: wantedPort }));
          say(`dashboard: ${dashboard.url}`);
        }
        await watchTable(o.dir, dashboard);
      },
    );
  cmd
    .command('dashboard')
    .description('serve the dashboard of a running testnet in the browser until Ctrl-C (the peers keep running)')
    .addOption(dirOpt())
    .addOption(new Option('--port <n>', 'port (default: the base port - 1)').argParser(intArg(0, 65535)))
    .option('--bind <addr>', 'listen address', '127.0.0.1')
    .option('--faults <file>', "fault events to show on the timeline (default: the testnet's faults.jsonl)")
    .action(async (o: { dir: string; port?: number; bind: string; faults?: string }) => {
      const state = await guard(() => requireState(o.dir));
      const stop = untilSignal();
      const dashboard = await guard(() =>
        startDashboard(state, { host: o.bind, port: dashboardPort(state.basePort, o.port), faultsFile: o.faults }),
      );
      say(`dashboard: ${dashboard.url} (Ctrl-C stops it; the peers keep running)`);
      await new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true }));
      await dashboard.close();
    });
  cmd
    .command('status')
    .description('the status table once (--json for scripts)')
    .addOption(dirOpt())
    .option('--json', 'print JSON')
    .action(async (o: { dir: string; json?: boolean }) => {
      const rows = await guard(() => collectStatus(requireState(o.dir)));
      say(o.json ? JSON.stringify(rows, null, 2) : renderStatus(rows));
    });
  cmd
    .command('down')
    .description('stop every peer cleanly (SIGKILL after a timeout)')
    .addOption(dirOpt())
    .action(async (o: { dir: string }) => guard(() => down(o.dir, say)));
  cmd
    .command('logs')
    .description("print a peer's log")
    .argument('<n>', 'peer number')
    .addOption(dirOpt())
    .option('--follow', 'keep printing new lines until Ctrl-C')
    .action(async (n: string, o: { dir: string; follow?: boolean }) => {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await guard(() => logs(o.dir, n, process.stdout, !!o.follow, stop.signal));
    });
  cmd
    .command('send')
    .description("send coins from peer <from>'s wallet to peer <to>'s address")
    .argument('<from>')
    .argument('<to>')
    .argument('<amount>', 'coins, up to 8 decimals')
    .addOption(dirOpt())
    .option('--json', "print the wallet's report (txid, fee, inputs, change) instead of the txid")
    .action(async (from: string, to: string, amount: string, o: { dir: string; json?: boolean }) => {
      const r = await guard(() => send(o.dir, from, to, amount));
      say(o.json ? r.json.trimEnd() : r.txid);
    });
  cmd
    .command('mine')
    .description('regtest: mine <blocks> blocks now on peer <n>, paying its wallet')
    .argument('<n>', 'peer number')
    .argument('<blocks>', 'how many blocks', intArg(1, 10_000))
    .addOption(dirOpt())
    .action(async (n: string, blocks: number, o: { dir: string }) => {
      const hashes = await guard(() => mine(o.dir, n, blocks));
      say(`peer ${n} mined ${hashes.length} block(s); tip ${hashes.at(-1)}`);
    });
  cmd
    .command('partition')
    .description('cut the listed peers (e.g. 0,1,2) off from the rest, both ways')
    .argument('<peers>')
    .addOption(dirOpt())
    .action(async (list: string, o: { dir: string }) => {
      const r = await guard(() => partition(o.dir, list));
      say(`partitioned: [${r.side.join(',')}] | [${r.rest.join(',')}]`);
    });
  cmd
    .command('heal')
    .description('lift the partition and reconnect the topology')
    .addOption(dirOpt())
    .action(async (o: { dir: string }) => {
      await guard(() => heal(o.dir));
      say('healed');
    });
  cmd
    .command('kill')
    .description('SIGKILL a peer')
    .argument('<n>')
    .addOption(dirOpt())
    .action(async (n: string, o: { dir: string }) => say(`killed peer ${(await guard(() => kill(o.dir, n))).index}`));
  cmd
    .command('restart')
    .description('restart a peer (stopping it first if it runs)')
    .argument('<n>')
    .addOption(dirOpt())
    .action(async (n: string, o: { dir: string }) =>
      say(`restarted peer ${(await guard(() => restart(o.dir, n, say))).index}`),
    );
  addChaosCommands(cmd);
  return cmd;
}
