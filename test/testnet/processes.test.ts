/**
 * `isRunning` decides whether a testnet or chaos peer's process is its node. It is asked right
 * after the spawn too (is the node still starting, or did it die?), while the process may still
 * be inside one of the execs that lead to node (`ip netns exec`, `setpriv`), when the kernel
 * shows an empty command line. A node that was merely starting was once reported as "did not
 * start" that way.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isPeerProcess, isRunning } from '../../src/testnet/processes.js';

const DATADIR = '/tmp/powchain-isrunning-probe-datadir';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawn node through `env` (one exec more, as the real chains have) naming DATADIR. */
function spawnProbe() {
  return spawn('env', [process.execPath, '-e', 'setTimeout(() => {}, 5_000)', DATADIR], {
    stdio: 'ignore',
  });
}

// What is asked of /proc exists on Linux only; elsewhere isRunning asks kill(pid, 0) alone, and
// these tests say in their names that they did not run.
const NO_PROC = process.platform === 'linux' ? '' : ' [not run: needs Linux /proc]';
const linuxTest = (name: string, fn: () => void | Promise<void>) =>
  test(`${name}${NO_PROC}`, async () => {
    if (NO_PROC) return;
    await fn();
  });

linuxTest('(Linux /proc) the judgement: mid-exec is alive, a zombie or a stranger is not', () => {
  // This process's own stat line: a user process (its parent is neither 0 nor kthreadd).
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const asState = (state: string) => stat.replace(/\) \S /, `) ${state} `);
  const args = (...a: string[]) => `${a.join('\0')}\0`;
  expect(isPeerProcess(stat, args('node', 'powchain', '--datadir', DATADIR), DATADIR)).toBe(true);
  expect(isPeerProcess(stat, '', DATADIR)).toBe(true); // inside execve: the command line is empty
  expect(isPeerProcess(stat, args('node', 'powchain', '--datadir', `${DATADIR}-2`), DATADIR)).toBe(false);
  expect(isPeerProcess(asState('Z'), args('node', '--datadir', DATADIR), DATADIR)).toBe(false);
  expect(isPeerProcess(asState('Z'), '', DATADIR)).toBe(false);
});

linuxTest('(Linux /proc) a process just spawned through exec after exec counts as running', async () => {
  // Whether a round catches the execve window is up to the scheduler (most do on a quiet machine);
  // every look, in the window or not, must say running while the process lives.
  for (let round = 0; round < 20; round++) {
    const child = spawnProbe();
    const pid = child.pid!;
    const exited = new Promise((r) => child.once('exit', r));
    const end = Date.now() + 40;
    while (Date.now() < end) expect(isRunning({ pid, datadir: DATADIR })).toBe(true);
    // The same live process, asked about another peer's datadir, is not that peer's node: asked
    // once its command line shows (mid-exec, it would rightly count as alive).
    const shown = Date.now() + 10_000;
    while (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === '' && Date.now() < shown) await sleep(1);
    expect(isRunning({ pid, datadir: '/tmp/some-other-peer' })).toBe(false);
    child.kill('SIGKILL');
    await exited;
    expect(isRunning({ pid, datadir: DATADIR })).toBe(false);
  }
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
