import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { IpcChild } from './ipc-child.js';
import type { FromScale, ToScale } from './scale-process.js';

type Reply<T extends FromScale['type']> = Extract<FromScale, { type: T }>;

/** The parent's handle on one scale-process child and the nodes it runs. */
export class ScaleChild extends EventEmitter<{ validated: [m: Reply<'validated'>] }> {
  addrs: string[] = [];
  private readonly ipc: IpcChild<ToScale, FromScale>;

  private constructor(
    label: string,
    /** Global index of this child's first node. */
    readonly first: number,
  ) {
    super();
    // The compiled script in dist/ (built by npm install), also when this module runs from src/ under jest.
    const script = fileURLToPath(new URL('../../dist/bench/scale-process.js', import.meta.url));
    this.ipc = IpcChild.fork<ToScale, FromScale>(script, `scale process ${label}`, (m) => {
      if (m.type === 'validated') this.emit('validated', m);
    });
  }

  static async start(
    label: string,
    first: number,
    o: Omit<Extract<ToScale, { type: 'start' }>, 'type'>,
  ): Promise<ScaleChild> {
    const c = new ScaleChild(label, first);
    c.addrs = (await c.ipc.request({ type: 'start', ...o }, 'ready')).addrs;
    return c;
  }

  get size(): number {
    return this.addrs.length;
  }

  async connect(node: number, addrs: string[]): Promise<void> {
    await this.ipc.request({ type: 'connect', node, addrs }, 'connected');
  }

  async mempool(txs: Uint8Array[], skip: number[][]): Promise<number> {
    return (await this.ipc.request({ type: 'mempool', txs, skip }, 'mempool-done')).accepted;
  }

  async publish(node: number, bytes: Uint8Array): Promise<number> {
    return (await this.ipc.request({ type: 'publish', node, bytes }, 'published')).t;
  }

  async counters(): Promise<Reply<'counters'>['nodes']> {
    return (await this.ipc.request({ type: 'counters' }, 'counters')).nodes;
  }

  async stop(): Promise<void> {
    await this.ipc.stop({ type: 'stop' }, 'stopped', 20_000);
  }
}
