/**
 * Start a relay server (relay-server.ts) as a child process, usually inside a network namespace
 * (`prefix` = `['ip', 'netns', 'exec', ns]`), and drive it: the same three calls as an in-process
 * `Relay`. The child's stdin is a pipe from this process, so it exits when this process does, even
 * after SIGKILL.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { POWCHAIN_BIN } from './processes.js';
import { RelayError, type Endpoint, type LinkShape, type LinkStats } from './relay.js';

/** What the chaos testnet needs of a relay, in-process or not. */
export interface RelayHandle {
  addLink(id: string, listen: Endpoint, target: Endpoint): Promise<number>;
  shape(id: string, change: Partial<LinkShape>): unknown;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 30_000;

export class RelayProcess implements RelayHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  private exited = false;
  private onReady: (() => void) | undefined;
  private readonly ready = new Promise<void>((r) => (this.onReady = r));

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.ready === true) return this.onReady?.();
      const done = typeof msg.id === 'number' ? this.waiting.get(msg.id) : undefined;
      if (done) {
        this.waiting.delete(msg.id as number);
        done(msg);
      }
    });
    child.once('exit', () => {
      this.exited = true;
      for (const done of this.waiting.values()) done({ ok: false, error: 'the relay process exited' });
      this.waiting.clear();
    });
  }

  /**
   * Spawn `prefix... node bin/powchain testnet relay-server --seed N`; resolves once it says it
   * is ready. Its stderr goes to `stderrFd` (a log file) or is ignored.
   */
  static async start(prefix: string[], seed: number, stderrFd?: number): Promise<RelayProcess> {
    const argv = [...prefix, process.execPath, POWCHAIN_BIN, 'testnet', 'relay-server', '--seed', String(seed)];
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', stderrFd ?? 'ignore'],
    }) as ChildProcessByStdio<Writable, Readable, null>;
    const rp = new RelayProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new RelayError(`the relay process did not start in ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      void rp.ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new RelayError(`cannot start the relay process: ${err.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new RelayError(`the relay process exited at start (code ${code})`));
      });
    });
    return rp;
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new RelayError('the relay process has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new RelayError(`the relay process did not answer ${String(body.op)} in ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok === true) resolve(reply);
        else reject(new RelayError(String(reply.error)));
      });
      this.child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  async addLink(id: string, listen: Endpoint, target: Endpoint): Promise<number> {
    return (await this.request({ op: 'add', link: id, listen, target })).port as number;
  }

  async shape(id: string, change: Partial<LinkShape>): Promise<LinkShape> {
    return (await this.request({ op: 'shape', link: id, shape: change })).shape as LinkShape;
  }

  async stats(id: string): Promise<LinkStats & { shape: LinkShape }> {
    return (await this.request({ op: 'stats', link: id })).stats as LinkStats & { shape: LinkShape };
  }

  /** End its stdin (it closes its links and exits); SIGKILL it if it has not after 5 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
