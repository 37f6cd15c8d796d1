import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../rpc/client.js';
import { readCookie } from '../rpc/cookie.js';

/** bin/powchain of this checkout. */
export function powchainBin(): string {
  return fileURLToPath(new URL('../../bin/powchain', import.meta.url));
}

/**
 * Node options for the processes the benchmarks start (`powchain node`, bench peers), from
 * POWCHAIN_BENCH_CHILD_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them.
 */
export function childNodeOptions(): string[] {
  return (process.env.POWCHAIN_BENCH_CHILD_OPTIONS ?? '').split(/\s+/).filter(Boolean);
}

const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * Remember a child process until it exits; if this process exits first (an error, Ctrl-C on the
 * runner alone), the children are killed with it rather than left running.
 */
export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

/** Resident set size of a process, bytes (Linux /proc, else ps). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
}

/**
 * CPU seconds a process (every thread) and its main thread have used, and the threads' by name
 * (`MainThread`, `WorkerThread` for worker_threads such as the verify pool, `V8Worker` for the
 * collector's and compiler's helpers, `libuv-worker` for file and LevelDB work), from Linux's
 * /proc; null elsewhere. Clock ticks are 1/100 s on Linux (USER_HZ).
 */
export function cpuSecondsOf(pid: number): { process: number; main: number; byThread: Record<string, number> } | null {
  const ticks = (path: string) => {
    // Fields after the command name (which may hold spaces, so split after its closing paren):
    // utime and stime are the 12th and 13th of those.
    const rest = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  };
  try {
    const byThread: Record<string, number> = {};
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        byThread[name] = (byThread[name] ?? 0) + ticks(`/proc/${pid}/task/${tid}/stat`);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`), byThread };
  } catch {
    return null;
  }
}

/** A `powchain node` child process, as a user would run it. */
export interface NodeProcess {
  pid: number;
  rpc: RpcClient;
  /** The node's P2P listen addresses (with /p2p/<id>), from its start-up line. */
  listen: string[];
  /** File descriptor 3 of the child, when started with `monitorFd` (loop-monitor.ts writes there). */
  monitor?: Readable;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  timeoutMs?: number;
  /** Extra `powchain node` flags. */
  args?: string[];
  /** Extra Node options (e.g. `--import <loop-monitor>`), after POWCHAIN_BENCH_CHILD_OPTIONS. */
  nodeOptions?: string[];
  /** Open a pipe on the child's file descriptor 3. */
  monitorFd?: boolean;
}

/**
 * Start `powchain node --network regtest` on `datadir` with ephemeral ports and JSON logs; resolve
 * once it logs that it started, with an RPC client authenticated by its cookie.
 */
export async function startNode(datadir: string, o: StartNodeOptions = {}): Promise<NodeProcess> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const args = [
    ...childNodeOptions(),
    ...(o.nodeOptions ?? []),
    powchainBin(),
    'node',
    '--network',
    'regtest',
    '--datadir',
    datadir,
    '--port',
    '0',
    '--rpc-port',
    '0',
    '--log-format',
    'json',
    '--log-level',
    'info',
    ...(o.args ?? []),
  ];
  const stdio: StdioOptions = o.monitorFd ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
  const child: ChildProcess = trackChild(spawn(process.execPath, args, { stdio }));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = await new Promise<{ rpc: string; listen: string[] }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`powchain node did not start within ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const rec = JSON.parse(line) as { msg?: string; rpc?: string; listen?: string[] };
          if (rec.msg === 'powchain node started' && rec.rpc) {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
            child.stdout!.resume();
            resolve({ rpc: rec.rpc, listen: rec.listen ?? [] });
          }
        } catch {
          // not a log record
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`powchain node exited with ${code} before starting: ${stderr.trim()}`));
    });
  });
  const cookie = readCookie(datadir);
  if (!cookie) throw new Error(`powchain node wrote no RPC cookie in ${datadir}`);
  return {
    pid: child.pid!,
    rpc: new RpcClient({ url: started.rpc, auth: cookie, timeoutMs: 120_000 }),
    listen: started.listen,
    monitor: o.monitorFd ? (child.stdio[3] as Readable) : undefined,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
