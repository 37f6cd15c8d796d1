/**
 * A chaos run on one page (SVG): time runs left to right, in seconds from the start of the fault
 * phase.
 *
 * - the partition row: each partition as a band with its sides;
 * - one row per peer: green while its tip is on the chain every peer ended on, orange while it is
 *   on a branch that was later abandoned, grey while it is down; above it, a thin band for its
 *   side of the current partition (blue A, violet B, grey the bridge); black bars for crashes,
 *   amber outlines for clock skews (with the skew); red triangles for its reorganisations (with
 *   the depth when more than one block);
 * - the link row: each slowed or stalled link as a bar;
 * - the heights: every peer's chain height over time (a drop is a reorganisation to a shorter
 *   chain, a jump a reorganisation to a longer one);
 * - the payments: one dot each when accepted (green on the final chain, blue still in a mempool,
 *   grey displaced, red gone), ringed when it was reorganised out after confirmation, with k;
 * - a dashed line at the last heal, a solid one where every peer was on one tip again.
 */
import { check, type CheckReport } from './check.js';
import type { History, TipsEvent } from './history.js';
import { finalChain, replay } from './replay.js';
import type { PartitionFault } from './schedule.js';

const W = 1100;
const LEFT = 110;
const RIGHT = 30;
const ROW = 22;
const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#ff7f0e',
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function timelineSvg(h: History, report: CheckReport = check(h)): string {
  const r = replay(h);
  const n = r.run.nodes;
  const t0 = r.phases.get('faults') ?? 0;
  const tEnd = Math.max(r.samples.at(-1)?.t ?? t0 + 1000, t0 + r.run.duration * 1000);
  const from = Math.max(0, t0 - 5_000);
  const x = (t: number) => LEFT + ((t - from) / (tEnd - from)) * (W - LEFT - RIGHT);
  const el: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = '') =>
    el.push(`<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" ${attrs}>${esc(s)}</text>`);
  const rect = (x1: number, y: number, x2: number, hgt: number, attrs: string) =>
    el.push(
      `<rect x="${x1.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, x2 - x1).toFixed(1)}" height="${hgt}" ${attrs}/>`,
    );
  const chain = new Set(finalChain(r) ?? []);
  let y = 40;
  text(
    LEFT,
    22,
    `chaos run: seed ${r.run.seed}, ${n} peers (${r.run.miners} mining), ${r.run.mode}; verdict: ${report.held ? 'every property held' : 'VIOLATED'}`,
    'font-weight="bold"',
  );

  // Time axis ticks.
  const axisTop = y;
  const step = niceStep((tEnd - from) / 1000);
  for (let s = Math.ceil((from - t0) / 1000 / step) * step; t0 + s * 1000 <= tEnd; s += step) {
    const tx = x(t0 + s * 1000);
    el.push(`<line x1="${tx.toFixed(1)}" y1="${axisTop}" x2="${tx.toFixed(1)}" y2="AXIS_BOTTOM" stroke="#eee"/>`);
    text(tx, axisTop - 4, `${s}s`, 'text-anchor="middle" fill="#777"');
  }

  // Partition row.
  text(8, y + 15, 'partitions');
  const partitions = r.faults.filter((w) => w.fault.kind === 'partition' && w.applied !== undefined);
  for (const w of partitions) {
    const p = w.fault as PartitionFault;
    const x1 = x(w.applied!);
    const x2 = x(w.healed ?? tEnd);
    rect(x1, y + 2, x2, ROW - 4, 'fill="#fde0c5" stroke="#e8a060"');
    const [a, b] = p.sides.map((x) => `[${x.join(',')}]`);
    const label =
      p.shape === 'oneway'
        ? `one-way ${a}→${b}`
        : p.shape === 'bridge'
          ? `bridge ${a}|${p.middle}|${b}`
          : `${p.shape === 'halves' ? 'split' : 'majority'} ${a}|${b}`;
    text(x1 + 3, y + 15, label, 'font-size="10"');
  }
  y += ROW + 6;

  // Peer rows.
  const sideOf = (peer: number, t: number): string | undefined => {
    for (const w of partitions) {
      if (t < w.applied! || t >= (w.healed ?? tEnd)) continue;
      const p = w.fault as PartitionFault;
      if (p.sides[0].includes(peer)) return '#9ecae1';
      if (p.sides[1].includes(peer)) return '#c9b3e6';
      return '#cccccc';
    }
    return undefined;
  };
  for (let peer = 0; peer < n; peer++) {
    const top = y;
    text(8, top + 15, `peer ${peer}${peer < r.run.miners ? ' (miner)' : ''}`, `fill="${COLORS[peer % COLORS.length]}"`);
    // One rectangle per run of samples with the same colour.
    const runs = (colour: (s: TipsEvent) => string | undefined, y0: number, hgt: number) => {
      let start = -1;
      let current: string | undefined;
      const shown = r.samples.filter((s) => s.t >= from);
      shown.forEach((s, i) => {
        const c = colour(s);
        if (c !== current) {
          if (current) rect(x(start), y0, x(s.t), hgt, `fill="${current}"`);
          current = c;
          start = s.t;
        }
        if (i === shown.length - 1 && current) rect(x(start), y0, x(s.t + 1000), hgt, `fill="${current}"`);
      });
    };
    runs(
      (s) => {
        const tip = s.tips[peer];
        return !tip ? '#bbbbbb' : chain.has(tip[1]) || tip[0] === 0 ? '#8fd18f' : '#f5a05a';
      },
      top + 7,
      ROW - 9,
    );
    runs((s) => sideOf(peer, s.t), top + 2, 4);
    for (const w of r.faults) {
      const f = w.fault;
      if ((f.kind !== 'crash' && f.kind !== 'clock') || f.peer !== peer || w.applied === undefined) continue;
      const x1 = x(w.applied);
      const x2 = x(w.healed ?? tEnd);
      if (f.kind === 'crash') {
        rect(x1, top + 9, x2, ROW - 13, 'fill="#222"');
        text(x1 + 2, top + 17, 'killed', 'font-size="9" fill="#fff"');
      } else {
        rect(x1, top + 7, x2, ROW - 9, 'fill="none" stroke="#d08000" stroke-width="2"');
        text(
          x1 + 2,
          top + 18,
          `${f.offset >= 0 ? '+' : '-'}${Number((Math.abs(f.offset) / 3600).toFixed(2))}h`,
          'font-size="9" fill="#8a5200"',
        );
      }
    }
    for (const g of r.reorgs.filter((g) => g.peer === peer && g.t >= from)) {
      const gx = x(g.t);
      el.push(
        `<path d="M${(gx - 4).toFixed(1)},${top + 1} L${(gx + 4).toFixed(1)},${top + 1} L${gx.toFixed(1)},${top + 8} Z" fill="#c00"/>`,
      );
      if (g.disconnected > 1) text(gx + 4, top + 7, String(g.disconnected), 'font-size="9" fill="#c00"');
    }
    y += ROW;
  }
  y += 6;

  // Link row.
  const links = r.faults.filter((w) => w.fault.kind === 'link' && w.applied !== undefined);
  const lanes: number[] = [];
  text(8, y + 12, 'links');
  for (const w of links) {
    const f = w.fault;
    if (f.kind !== 'link') continue;
    const x1 = x(w.applied!);
    const x2 = x(w.healed ?? tEnd);
    let lane = lanes.findIndex((end) => end <= x1);
    if (lane < 0) lane = lanes.push(0) - 1;
    lanes[lane] = x2 + 40;
    const ly = y + lane * 12;
    rect(x1, ly + 2, x2, 9, f.stalled ? 'fill="#999"' : 'fill="#fbe3a0"');
    text(x1 + 2, ly + 10, `${f.link.join('-')} ${f.stalled ? 'stall' : `${f.latencyMs}ms`}`, 'font-size="8"');
  }
  y += Math.max(1, lanes.length) * 12 + 10;

  // Heights.
  const chartTop = y;
  const chartH = 140;
  const heights = r.samples.flatMap((s) => s.tips.map((t) => t?.[0] ?? NaN)).filter((v) => Number.isFinite(v));
  const firstShown = r.samples.find((s) => s.t >= from);
  const hMin = Math.min(...(firstShown?.tips.map((t) => t?.[0] ?? Infinity) ?? [0]), ...heights.slice(-1));
  const hMax = Math.max(1, ...heights);
  const yh = (v: number) => chartTop + chartH - ((v - hMin) / Math.max(1, hMax - hMin)) * chartH;
  text(8, chartTop + 12, 'height');
  text(8, chartTop + 26, `${hMin}..${hMax}`, 'font-size="10" fill="#777"');
  for (let peer = 0; peer < n; peer++) {
    const pts: string[] = [];
    let pen = 'M';
    for (const s of r.samples) {
      if (s.t < from) continue;
      const tip = s.tips[peer];
      if (!tip) {
        pen = 'M';
        continue;
      }
      pts.push(`${pen}${x(s.t).toFixed(1)},${yh(tip[0]).toFixed(1)}`);
      pen = 'L';
    }
    el.push(
      `<path d="${pts.join(' ')}" fill="none" stroke="${COLORS[peer % COLORS.length]}" stroke-width="1.2" opacity="0.8"/>`,
    );
  }
  y = chartTop + chartH + 16;

  // Payments.
  text(8, y + 12, 'payments');
  const fateColor: Record<string, string> = {
    final: '#2a9d2a',
    mempool: '#1f77b4',
    conflicted: '#999',
    orphaned: '#999',
    gone: '#d00',
  };
  const deep = new Map<number, number>();
  for (const x of report.figures.reorgedOut) deep.set(x.id, Math.max(deep.get(x.id) ?? 0, x.depth));
  const fateOf = new Map(report.payments.map((p) => [p.id, p.fate]));
  // Labels of neighbouring payments alternate between two lines so they do not overprint.
  let labels = 0;
  for (const p of r.payments.values()) {
    if (p.acceptedAt === undefined || p.acceptedAt < from) continue;
    const px = x(p.acceptedAt);
    el.push(`<circle cx="${px.toFixed(1)}" cy="${y + 8}" r="3" fill="${fateColor[fateOf.get(p.id) ?? 'final']}"/>`);
    if (deep.has(p.id)) {
      el.push(`<circle cx="${px.toFixed(1)}" cy="${y + 8}" r="6" fill="none" stroke="#c00"/>`);
      text(px + 6, y + 22 + (labels++ % 2) * 9, `k=${deep.get(p.id)}`, 'font-size="9" fill="#c00"');
    }
  }
  y += 40;

  // Heal and convergence lines.
  const heal = report.figures.lastHealAt;
  if (heal !== undefined) {
    el.push(
      `<line x1="${x(heal).toFixed(1)}" y1="${axisTop}" x2="${x(heal).toFixed(1)}" y2="${y}" stroke="#333" stroke-dasharray="4,3"/>`,
    );
    text(x(heal) - 3, y + 10, 'last heal', 'font-size="10" text-anchor="end"');
  }
  if (heal !== undefined && report.figures.convergenceMs !== null) {
    const cx = x(heal + report.figures.convergenceMs);
    el.push(`<line x1="${cx.toFixed(1)}" y1="${axisTop}" x2="${cx.toFixed(1)}" y2="${y}" stroke="#2a9d2a"/>`);
    text(
      cx - 3,
      y + 22,
      `one tip again (+${(report.figures.convergenceMs / 1000).toFixed(1)} s)`,
      'font-size="10" fill="#2a7d2a" text-anchor="end"',
    );
  }
  y += 34;

  // Legend.
  const legend: [string, string][] = [
    ['#8fd18f', 'tip on the final chain'],
    ['#f5a05a', 'tip on an abandoned branch'],
    ['#bbbbbb', 'down'],
    ['#222', 'killed'],
    ['#9ecae1', 'partition side A'],
    ['#c9b3e6', 'side B'],
    ['#fbe3a0', 'slow link'],
  ];
  let lx = LEFT;
  for (const [c, label] of legend) {
    rect(lx, y - 9, lx + 12, 10, `fill="${c}"`);
    text(lx + 16, y, label, 'font-size="10"');
    lx += 30 + label.length * 5.5;
  }
  text(lx, y, '▼ reorganisation (depth)   ◯ payment reorganised out (k)', 'font-size="10" fill="#c00"');
  y += 16;

  const body = el.join('\n').replace(/AXIS_BOTTOM/g, String(y - 40));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>\n`;
}

function niceStep(span: number): number {
  for (const s of [1, 2, 5, 10, 15, 20, 30, 60, 120, 300]) if (span / s <= 14) return s;
  return 600;
}
