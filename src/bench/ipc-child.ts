import { fork, type ChildProcess } from 'node:child_process';
import { childNodeOptions, trackChild } from './node-process.js';

/**
 * A forked helper process driven over IPC: each request names the reply type it waits for; a
 * `{ type: 'error' }` message fails the oldest waiting request, and the child's exit fails them all.
 */
export class IpcChild<To extends { type: string }, From extends { type: string }> {
  private readonly waiting: { type: From['type']; resolve: (m: From) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly label: string,
    private readonly onOther: (m: From) => void = () => undefined,
  ) {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    child.on('message', (m: From) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${label} exited (${code ?? signal})${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  /** Fork `script` (a compiled module next to the caller) with the benchmark's child options. */
  static fork<To extends { type: string }, From extends { type: string }>(
    script: string,
    label: string,
    onOther?: (m: From) => void,
  ): IpcChild<To, From> {
    const child = trackChild(
      fork(script, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: childNodeOptions(),
      }),
    );
    return new IpcChild<To, From>(child, label, onOther);
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends From['type']>(m: To, reply: T): Promise<Extract<From, { type: T }>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ type: reply, resolve: resolve as (m: From) => void, reject });
      this.child.send(m);
    });
  }

  /** Ask the child to stop (`m`, answered by `reply`), give it `graceMs`, then 15 s more to exit before SIGKILL. */
  async stop(m: To, reply: From['type'], graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    let grace: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.request(m, reply), new Promise((r) => (grace = setTimeout(r, graceMs)))]);
    } catch {
      // already gone
    } finally {
      // Cleared, so a run ends without a timer keeping the process alive.
      clearTimeout(grace);
    }
    // It exits by itself once stopped (after writing a --cpu-prof profile, when asked for one).
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(m: From): void {
    if (m.type === 'error') {
      const w = this.waiting.shift();
      const err = new Error(`${this.label}: ${(m as unknown as { message: string }).message}`);
      if (w) w.reject(err);
      return;
    }
    const at = this.waiting.findIndex((w) => w.type === m.type);
    if (at >= 0) this.waiting.splice(at, 1)[0]!.resolve(m);
    else this.onOther(m);
  }
}
