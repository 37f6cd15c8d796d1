import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { childNodeOptions, trackChild } from './node-process.js';
import type { FromScale, ToScale } from './scale-process.js';

type Reply<T extends FromScale['type']> = Extract<FromScale, { type: T }>;

/** The parent's handle on one scale-process child and the nodes it runs. */
export class ScaleChild extends EventEmitter<{ validated: [m: Reply<'validated'>] }> {
  addrs: string[] = [];
  private readonly waiting: { type: FromScale['type']; resolve: (m: FromScale) => void; reject: (e: Error) => void }[] =
    [];
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
    /** Global index of this child's first node. */
    readonly first: number,
  ) {
    super();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    child.on('message', (m: FromScale) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`scale process ${label} exited (${code ?? signal})${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  static async start(
    label: string,
    first: number,
    o: Omit<Extract<ToScale, { type: 'start' }>, 'type'>,
  ): Promise<ScaleChild> {
    // The compiled script in dist/ (built by npm install), also when this module runs from src/ under jest.
    const script = fileURLToPath(new URL('../../dist/bench/scale-process.js', import.meta.url));
    const child = trackChild(
      fork(script, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: childNodeOptions(),
      }),
    );
    const c = new ScaleChild(child, label, first);
    c.addrs = (await c.request({ type: 'start', ...o }, 'ready')).addrs;
    return c;
  }

  get size(): number {
    return this.addrs.length;
  }

  async connect(node: number, addrs: string[]): Promise<void> {
    await this.request({ type: 'connect', node, addrs }, 'connected');
  }

  async mempool(txs: Uint8Array[], skip: number[][]): Promise<number> {
    return (await this.request({ type: 'mempool', txs, skip }, 'mempool-done')).accepted;
  }

  async publish(node: number, bytes: Uint8Array): Promise<number> {
    return (await this.request({ type: 'publish', node, bytes }, 'published')).t;
  }

  async counters(): Promise<Reply<'counters'>['nodes']> {
    return (await this.request({ type: 'counters' }, 'counters')).nodes;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    let grace: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.request({ type: 'stop' }, 'stopped'),
        new Promise((r) => (grace = setTimeout(r, 20_000))),
      ]);
    } catch {
      // already gone
    } finally {
      clearTimeout(grace);
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private request<T extends FromScale['type']>(m: ToScale, reply: T): Promise<Reply<T>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ type: reply, resolve: resolve as (m: FromScale) => void, reject });
      this.child.send(m);
    });
  }

  private onMessage(m: FromScale): void {
    if (m.type === 'validated') {
      this.emit('validated', m);
      return;
    }
    if (m.type === 'error') {
      const w = this.waiting.shift();
      if (w) w.reject(new Error(`scale process ${this.label}: ${m.message}`));
      return;
    }
    const at = this.waiting.findIndex((w) => w.type === m.type);
    if (at >= 0) this.waiting.splice(at, 1)[0]!.resolve(m);
  }
}
