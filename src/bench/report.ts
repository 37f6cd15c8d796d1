import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import type { BenchResult, Measured } from './types.js';

export interface Machine {
  cpus: number;
  model: string;
  /** Total memory, bytes. */
  memory: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model.trim() ?? 'unknown',
    memory: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export interface Report {
  machine: Machine;
  results: BenchResult[];
}

/** The JSON document: exactly name/value/unit/baseline/ratio per result. */
export function toReport(results: readonly Measured[], m: Machine = machine()): Report {
  return {
    machine: m,
    results: results.map((r) => ({
      name: r.name,
      value: round(r.value),
      unit: r.unit,
      baseline: r.baseline ? { name: r.baseline.name, value: round(r.baseline.value) } : null,
      ratio: r.ratio === null ? null : round(r.ratio),
    })),
  };
}

function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const mag = Math.abs(v);
  const digits = mag >= 1000 ? 0 : mag >= 10 ? 2 : 4;
  return Number(v.toFixed(digits));
}

/** 1234567 → "1.23 M", 18250 → "18,250", 0.42 → "0.42". */
export function formatValue(v: number): string {
  const mag = Math.abs(v);
  if (mag >= 10_000_000) return `${(v / 1e6).toFixed(1)} M`;
  if (mag >= 1_000_000) return `${(v / 1e6).toFixed(2)} M`;
  if (mag >= 1000) return Math.round(v).toLocaleString('en-US');
  if (mag >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatRatio(r: number | null): string {
  if (r === null) return '—';
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

/** One line for the end of the tables: the machine and how busy it was (figures on a busy machine are noisy). */
export function describeMachine(m: Machine): string {
  const load = loadavg()[0]!;
  const busy = load > m.cpus * 0.5 ? ` (other work was running: figures are noisy)` : '';
  return `machine: ${m.cpus} × ${m.model}, ${(m.memory / 1024 ** 3).toFixed(1)} GiB, node ${m.node}, ${m.platform}; load average ${load.toFixed(1)}${busy}`;
}

/** One table: result, value, baseline, ratio, goal. */
export function renderTable(title: string, results: readonly Measured[]): string {
  const table = new Table({
    head: [title, 'value', 'unit', 'baseline (same run)', 'ratio', 'goal'],
    style: { head: [], border: [] },
    colAligns: ['left', 'right', 'left', 'left', 'right', 'left'],
  });
  for (const r of results) {
    const goal = r.goals.map((g) => `${g.met ? '✓' : '✗'} ${g.text}`).join('\n') || '—';
    table.push([
      r.name,
      formatValue(r.value),
      r.unit,
      r.baseline ? `${r.baseline.name} ${formatValue(r.baseline.value)}` : '—',
      formatRatio(r.ratio),
      goal,
    ]);
  }
  return table.toString();
}

/** bench/results/<date>-<name>.json, written through a .tmp file so a crash leaves no half file. */
export function writeResultsFile(dir: string, name: string, report: Report, date = new Date()): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${date.toISOString().slice(0, 10)}-${name}.json`);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
