import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { childNodeOptions, trackChild } from './node-process.js';
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
  private readonly waiting: { type: FromPeer['type']; resolve: (m: FromPeer) => void; reject: (e: Error) => void }[] =
    [];
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    super();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    child.on('message', (m: FromPeer) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`bench peer ${label} exited (${code ?? signal})${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  static async start(
    label: string,
    location: string,
    opts: { threads?: number; clockFloor: number },
  ): Promise<PeerChild> {
    const child = trackChild(
      fork(peerScript(), [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: childNodeOptions(),
      }),
    );
    const peer = new PeerChild(child, label);
    const ready = (await peer.request(
      { type: 'start', location, threads: opts.threads ?? 1, clockFloor: opts.clockFloor },
      'ready',
    )) as Extract<FromPeer, { type: 'ready' }>;
    peer.addrs = ready.addrs;
    peer.peerId = ready.peerId;
    peer.height = ready.height;
    return peer;
  }

  /** The child's process id (its CPU is read from /proc by the benchmarks). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get addr(): string {
    return this.addrs[0]!;
  }

  async connect(addr: string): Promise<void> {
    await this.request({ type: 'connect', addr }, 'connected');
  }

  async publish(bytes: Uint8Array): Promise<Extract<FromPeer, { type: 'published' }>> {
    return (await this.request({ type: 'publish', bytes }, 'published')) as Extract<FromPeer, { type: 'published' }>;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      await Promise.race([this.request({ type: 'stop' }, 'stopped'), new Promise((r) => setTimeout(r, 5_000))]);
    } catch {
      // already gone
    }
    // It exits by itself once stopped (after writing a --cpu-prof profile, when asked for one).
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private request(m: ToPeer, reply: FromPeer['type']): Promise<FromPeer> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ type: reply, resolve, reject });
      this.child.send(m);
    });
  }

  private onMessage(m: FromPeer): void {
    if (m.type === 'tip') {
      this.height = m.height;
      this.emit('tip', m);
      return;
    }
    if (m.type === 'validated') {
      this.emit('validated', m);
      return;
    }
    if (m.type === 'arrived') {
      this.emit('arrived', m);
      return;
    }
    if (m.type === 'error') {
      const w = this.waiting.shift();
      const err = new Error(`bench peer ${this.label}: ${m.message}`);
      if (w) w.reject(err);
      return;
    }
    const at = this.waiting.findIndex((w) => w.type === m.type);
    if (at >= 0) this.waiting.splice(at, 1)[0]!.resolve(m);
  }
}
