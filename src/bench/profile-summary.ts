/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): where the samples went, by function (self time)
 * and by call-tree entry (inclusive time), with project and package paths shortened.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top=25] [filter...]
 *
 * docs/benchmarks.md quotes these summaries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  self: [string, number][];
  inclusive: [string, number][];
}

function label(n: ProfileNode): string {
  const url = n.callFrame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(dist|src)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`.trim();
}

export function summarise(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    total += d;
    selfById.set(id, (selfById.get(id) ?? 0) + d);
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of selfById) {
    const k = label(byId.get(id)!);
    self.set(k, (self.get(k) ?? 0) + t);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const key = label(byId.get(x)!);
      if (seen.has(key)) continue; // recursion counts once
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const ms = (m: Map<string, number>) =>
    [...m].map(([k, t]) => [k, t / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, self: ms(self), inclusive: ms(inclusive) };
}

function main(argv: string[]): void {
  const [file, topArg, ...filters] = argv;
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top] [filter...]\n');
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg ?? 25);
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pick = (rows: [string, number][]) =>
    rows.filter(([k]) => filters.length === 0 || filters.some((f) => k.includes(f))).slice(0, top);
  const line = ([k, t]: [string, number]) =>
    `${t.toFixed(0).padStart(8)} ms ${((100 * t) / s.totalMs).toFixed(1).padStart(5)}%  ${k}`;
  process.stdout.write(
    `${file}: ${s.totalMs.toFixed(0)} ms sampled\n-- self time\n${pick(s.self).map(line).join('\n')}\n-- inclusive time\n${pick(s.inclusive).map(line).join('\n')}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
