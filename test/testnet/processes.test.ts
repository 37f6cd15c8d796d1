/**
 * `isRunning` decides whether a testnet or chaos peer's process is its node. It is asked right
 * after the spawn too (is the node still starting, or did it die?), while the process may still
 * be inside one of the execs that lead to node (`ip netns exec`, `setpriv`), when the kernel
 * shows an empty command line. A node that was merely starting was once reported as "did not
 * start" that way.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isRunning } from '../../src/testnet/processes.js';

const DATADIR = '/tmp/powchain-isrunning-probe-datadir';

/** Spawn node through `env` (one exec more, as the real chains have) naming DATADIR. */
function spawnProbe() {
  return spawn('env', [process.execPath, '-e', 'setTimeout(() => {}, 400)', DATADIR], {
    stdio: 'ignore',
  });
}

// What is asked of /proc exists on Linux only; elsewhere isRunning asks kill(pid, 0) alone.
const linuxTest = process.platform === 'linux' ? test : test.skip;

linuxTest('(Linux /proc) a process in the middle of exec counts as running, a stranger does not', async () => {
  let emptySeen = 0;
  for (let round = 0; round < 20; round++) {
    const child = spawnProbe();
    const pid = child.pid!;
    const exited = new Promise((r) => child.once('exit', r));
    const end = Date.now() + 40;
    while (Date.now() < end) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        // not readable this instant
      }
      if (cmdline === '') emptySeen++;
      expect(isRunning({ pid, datadir: DATADIR })).toBe(true);
    }
    // The same live process, asked about another peer's datadir, is not that peer's node.
    expect(isRunning({ pid, datadir: '/tmp/some-other-peer' })).toBe(false);
    child.kill('SIGKILL');
    await exited;
    expect(isRunning({ pid, datadir: DATADIR })).toBe(false);
  }
  // The window this guards was really crossed, or the test proved nothing.
  expect(emptySeen).toBeGreaterThan(0);
});

linuxTest('(Linux /proc) kernel threads, whose command line is empty for good, are no peer', () => {
  // Every kernel thread is kthreadd's child (pid 2), kthreadd itself the child of pid 0.
  const kernelThreads = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (ppid === 2 || d === '2') && readFileSync(`/proc/${d}/cmdline`, 'utf8') === '';
      } catch {
        return false;
      }
    })
    .map(Number);
  expect(kernelThreads.length).toBeGreaterThan(0);
  for (const pid of kernelThreads) expect(isRunning({ pid, datadir: DATADIR })).toBe(false);
});
