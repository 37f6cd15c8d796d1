import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { FaultSpan } from './types.js';

/** MAX_FAULT_LINE: the longest line of a fault file read; a longer one is skipped as malformed. */
const MAX_FAULT_LINE = 64 * 1024;
/** Spans kept (the oldest closed ones go first). */
const MAX_SPANS = 500;
/** Bytes read per poll, so a huge history file is taken in steps rather than all at once. */
const READ_CHUNK = 1024 * 1024;

/**
 * A fault-event file (JSON lines, docs/explorer.md "Fault events") followed as it grows: each
 * `{"t", "type": "fault", "id", "fault", ...}` opens a span, `{"type": "heal", "id"}` closes it
 * (without an id: every open span). Other lines of a larger history are ignored; malformed ones
 * are counted. `powchain testnet partition`/`heal` write this format, and so can a fault
 * injector.
 */
export class FaultLog {
  private offset = 0;
  private partial = '';
  private readonly spans: FaultSpan[] = [];
  errors = 0;

  constructor(readonly file: string) {}

  /** Read what was appended since the last call; an unreadable file counts as an error, once a poll. */
  poll(): void {
    try {
      this.read();
    } catch {
      this.errors++;
    }
  }

  private read(): void {
    if (!existsSync(this.file)) return;
    const size = statSync(this.file).size;
    if (size < this.offset) {
      // Truncated or replaced: read it again from the start.
      this.offset = 0;
      this.partial = '';
      this.spans.length = 0;
    }
    if (size === this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(READ_CHUNK, size - this.offset));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const lines = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      if (this.partial.length > MAX_FAULT_LINE) {
        this.partial = '';
        this.errors++;
      }
      for (const line of lines) if (line.trim()) this.apply(line);
    } finally {
      closeSync(fd);
    }
  }

  /** Every span, oldest first; `to` is absent while a fault is in effect. */
  all(): FaultSpan[] {
    return this.spans;
  }

  private apply(line: string): void {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.errors++;
      return;
    }
    if (!e || typeof e !== 'object' || (e.type !== 'fault' && e.type !== 'heal')) return;
    if (typeof e.t !== 'number' || !Number.isFinite(e.t)) {
      this.errors++;
      return;
    }
    if (e.type === 'heal') {
      for (const s of this.spans) if (s.to === undefined && (e.id === undefined || s.id === e.id)) s.to = e.t;
      return;
    }
    const peers = numberList(e.peers);
    const sides = Array.isArray(e.sides) ? e.sides.map(numberList).filter((x) => x !== undefined) : undefined;
    this.spans.push({
      id: typeof e.id === 'string' ? e.id : `fault-${e.t}`,
      fault: typeof e.fault === 'string' ? e.fault : 'fault',
      from: e.t,
      peers,
      sides,
      detail: typeof e.detail === 'string' ? e.detail.slice(0, 200) : undefined,
    });
    if (this.spans.length > MAX_SPANS) {
      const closed = this.spans.findIndex((s) => s.to !== undefined);
      this.spans.splice(closed >= 0 ? closed : 0, 1);
    }
  }
}

function numberList(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : undefined;
}
