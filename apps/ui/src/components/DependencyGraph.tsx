import { href } from '../lib/router';
import { ScrollRegion } from './ui';

interface Graph {
  job: string;
  ancestors: string[];
  descendants: string[];
  edges: [string, string][];
}

/** Levels of the graph: ancestors above (root first), the job, then descendants by depth. */
export function layers(graph: Graph): string[][] {
  const levels: string[][] = [...graph.ancestors].reverse().map((a) => [a]);
  levels.push([graph.job]);
  const wanted = new Set(graph.descendants);
  let frontier = [graph.job];
  const seen = new Set([graph.job]);
  while (frontier.length > 0) {
    const next = graph.edges
      .filter(([p, c]) => frontier.includes(p) && wanted.has(c) && !seen.has(c))
      .map(([, c]) => c);
    const unique = [...new Set(next)];
    for (const c of unique) seen.add(c);
    if (unique.length > 0) levels.push(unique);
    frontier = unique;
  }
  return levels;
}

const W = 160;
const H = 34;
const GAP_X = 24;
const GAP_Y = 46;

/** The dependency graph around a job: boxes link to each job's page. */
export function DependencyGraph({ graph }: { graph: Graph }) {
  const levels = layers(graph);
  const widest = Math.max(...levels.map((l) => l.length));
  const width = Math.max(widest * (W + GAP_X), W + GAP_X);
  const height = levels.length * (H + GAP_Y);
  const pos = new Map<string, { x: number; y: number }>();
  levels.forEach((level, row) => {
    const rowWidth = level.length * (W + GAP_X) - GAP_X;
    level.forEach((name, i) => {
      pos.set(name, { x: (width - rowWidth) / 2 + i * (W + GAP_X), y: row * (H + GAP_Y) + 4 });
    });
  });
  const lines = graph.edges.filter(([p, c]) => pos.has(p) && pos.has(c));
  if (levels.length === 1) return <p className="muted">This job has no parent and no dependent jobs.</p>;
  return (
    <ScrollRegion label="Dependency graph" className="graph">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        aria-label={`Dependencies of ${graph.job}: parents ${graph.ancestors.join(', ') || 'none'}; dependents ${graph.descendants.join(', ') || 'none'}`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="var(--muted)" />
          </marker>
        </defs>
        {lines.map(([p, c]) => {
          const a = pos.get(p) as { x: number; y: number };
          const b = pos.get(c) as { x: number; y: number };
          return (
            <line
              key={`${p}->${c}`}
              x1={a.x + W / 2}
              y1={a.y + H}
              x2={b.x + W / 2}
              y2={b.y - 2}
              stroke="var(--muted)"
              markerEnd="url(#arrow)"
            />
          );
        })}
        {[...pos.entries()].map(([name, { x, y }]) => {
          const self = name === graph.job;
          return (
            <a key={name} href={href('jobs', name, { tab: 'dependencies' })} aria-label={`Job ${name}`}>
              <rect
                x={x}
                y={y}
                width={W}
                height={H}
                rx={6}
                fill={self ? 'var(--info-bg)' : 'var(--panel)'}
                stroke={self ? 'var(--accent)' : 'var(--border)'}
                strokeWidth={self ? 2 : 1}
              />
              <text x={x + W / 2} y={y + H / 2 + 4} textAnchor="middle" fontSize="13">
                {name.length > 20 ? `${name.slice(0, 19)}…` : name}
              </text>
            </a>
          );
        })}
      </svg>
    </ScrollRegion>
  );
}
