import { useEffect, useRef } from 'preact/hooks';
import { short } from './format.js';
import { layoutTree, type TreeBlock } from './tree-layout.js';

export interface TreeOrphan {
  hash: string;
  missing: string;
}

interface Props {
  blocks: TreeBlock[];
  orphans: TreeOrphan[];
  tip: string;
  /** Labels drawn under a block (the dashboard marks each peer's tip). */
  marks?: Record<string, string[]>;
  /** Where a block links to; none: not a link. */
  href?: (hash: string) => string | undefined;
  title: string;
}

const W = 62;
const H = 30;
const GAP_X = 22;
const GAP_Y = 30;
const MARK_H = 16;

/**
 * The recent chain as a tree, oldest on the left: the main chain on the top row, side branches
 * below it, orphans (blocks whose parent is unknown) apart at the bottom. Each block is a link
 * with its height and hash for screen readers; colours are backed by line styles (dashed side
 * branches, crossed invalid blocks) and a legend, so they are not the only cue.
 */
export function TreeView({ blocks, orphans, tip, marks = {}, href, title }: Props) {
  const { placed, lanes } = layoutTree(blocks);
  const minH = Math.min(...placed.map((b) => b.height));
  const maxH = Math.max(...placed.map((b) => b.height));
  const rowH = H + GAP_Y + (Object.keys(marks).length ? MARK_H : 0);
  const width = (maxH - minH + 1) * (W + GAP_X) + GAP_X;
  const height = lanes * rowH + GAP_Y;
  const x = (h: number) => GAP_X + (h - minH) * (W + GAP_X);
  const y = (lane: number) => GAP_Y / 2 + lane * rowH;
  const scroller = useRef<HTMLDivElement>(null);
  // The newest blocks are on the right: keep them in view as the chain grows.
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollLeft = el.scrollWidth;
  }, [maxH, blocks.length]);
  if (placed.length === 0) return <p>No blocks yet.</p>;
  return (
    <figure class="tree">
      <div class="tree-scroll" ref={scroller}>
        <svg width={width} height={height} role="group" aria-label={title}>
          {placed.map((b) =>
            b.parent ? (
              <line
                key={`e${b.hash}`}
                class={`edge ${b.status}`}
                x1={x(b.parent.height) + W}
                y1={y(b.parent.lane) + H / 2}
                x2={x(b.height)}
                y2={y(b.lane) + H / 2}
              />
            ) : null,
          )}
          {placed.map((b) => {
            const link = href?.(b.hash);
            const where = b.status === 'main' ? 'main chain' : b.status === 'side' ? 'side branch' : 'invalid';
            const tipOf = marks[b.hash] ?? [];
            const label = `${b.height} ${b.hash.slice(0, 6)}${tipOf.length ? ` ${tipOf.join(' ')}` : ''}: block ${b.hash} on the ${where}${b.hash === tip ? ', the tip' : ''}${tipOf.length ? `, tip of ${tipOf.join(', ')}` : ''}`;
            const body = (
              <g class={`block ${b.status}${b.hash === tip ? ' tip' : ''}`} data-hash={b.hash}>
                <rect x={x(b.height)} y={y(b.lane)} width={W} height={H} rx={4} />
                {b.status === 'invalid' ? (
                  <path
                    class="cross"
                    d={`M${x(b.height)} ${y(b.lane)}l${W} ${H}M${x(b.height) + W} ${y(b.lane)}l${-W} ${H}`}
                  />
                ) : null}
                <text x={x(b.height) + W / 2} y={y(b.lane) + 13} text-anchor="middle">
                  {b.height}
                </text>
                <text class="hash" x={x(b.height) + W / 2} y={y(b.lane) + 25} text-anchor="middle">
                  {b.hash.slice(0, 6)}
                </text>
                {tipOf.map((m, i) => (
                  <text
                    class="mark"
                    key={m}
                    x={x(b.height) + W / 2}
                    y={y(b.lane) + H + 12 + i * 12}
                    text-anchor="middle"
                  >
                    {m}
                  </text>
                ))}
              </g>
            );
            return link ? (
              // The title names the link for assistive technology (and shows as a tooltip).
              <a key={b.hash} href={link}>
                <title>{label}</title>
                {body}
              </a>
            ) : (
              <g key={b.hash}>
                <title>{label}</title>
                {body}
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption>
        <span class="legend main">main chain</span> <span class="legend side">side branch</span>{' '}
        <span class="legend invalid">invalid</span> <span class="legend tip">tip</span>
        {orphans.length > 0 ? (
          <span class="orphans">
            {' '}
            Orphans waiting for a parent:{' '}
            {orphans.map((o) => (
              <span class="orphan" key={o.hash} title={`${o.hash} waits for ${o.missing}`}>
                {short(o.hash, 6)} (needs {short(o.missing, 6)}){' '}
              </span>
            ))}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}
