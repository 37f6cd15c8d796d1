import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { IpcChild } from './ipc-child.js';
import type { FromPeer, ToPeer } from './peer-process.js';

/** The compiled peer script next to this module (the benchmarks run from dist/). */
export function peerScript(): string {
  return fileURLToPath(new URL('./peer-process.js', import.meta.url));
}

type Arrival = Extract<FromPeer, { type: 'tip' | 'validated' }>;

/** The parent's handle on a peer-process child. */
export class PeerChild extends EventEmitter<{
  tip: [m: Arrival];
  validated: [m: Arrival];
  arrived: [m: Extract<FromPeer, { type: 'arrived' }>];
}> {
  addrs: string[] = [];
  peerId = '';
  height = 0;
  private readonly ipc: IpcChild<ToPeer, FromPeer>;

  private constructor(readonly label: string) {
    super();
    this.ipc = IpcChild.fork<ToPeer, FromPeer>(peerScript(), `bench peer ${label}`, (m) => {
      if (m.type === 'tip') {
        this.height = m.height;
        this.emit('tip', m);
      } else if (m.type === 'validated') this.emit('validated', m);
      else if (m.type === 'arrived') this.emit('arrived', m);
    });
  }

  static async start(
    label: string,
    location: string,
    opts: { threads?: number; clockFloor: number },
  ): Promise<PeerChild> {
    const peer = new PeerChild(label);
    const ready = await peer.ipc.request(
      { type: 'start', location, threads: opts.threads ?? 1, clockFloor: opts.clockFloor },
      'ready',
    );
    peer.addrs = ready.addrs;
    peer.peerId = ready.peerId;
    peer.height = ready.height;
    return peer;
  }

  /** The child's process id (its CPU is read from /proc by the benchmarks). */
  get pid(): number | undefined {
    return this.ipc.pid;
  }

  get addr(): string {
    return this.addrs[0]!;
  }

  async connect(addr: string): Promise<void> {
    await this.ipc.request({ type: 'connect', addr }, 'connected');
  }

  async publish(bytes: Uint8Array): Promise<Extract<FromPeer, { type: 'published' }>> {
    return this.ipc.request({ type: 'publish', bytes }, 'published');
  }

  async stop(): Promise<void> {
    await this.ipc.stop({ type: 'stop' }, 'stopped', 5_000);
  }
}
