/** The 30-day execution chart of `/v1/stats`: stacked bars of successes and failures per day. */
export function StatsChart({
  stats,
}: {
  stats: { date: string; success_count: number; failed_count: number }[];
}) {
  const width = 600;
  const height = 160;
  const pad = { left: 32, bottom: 20, top: 8 };
  const max = Math.max(1, ...stats.map((s) => s.success_count + s.failed_count));
  const bar = (width - pad.left) / Math.max(stats.length, 1);
  const y = (v: number) => ((height - pad.bottom - pad.top) * v) / max;
  const totalOk = stats.reduce((a, s) => a + s.success_count, 0);
  const totalFailed = stats.reduce((a, s) => a + s.failed_count, 0);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={`Executions of the last ${stats.length} days: ${totalOk} succeeded, ${totalFailed} failed`}
      >
        <line
          x1={pad.left}
          x2={width}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
          stroke="var(--border)"
        />
        <text x={pad.left - 6} y={pad.top + 8} fontSize="10" textAnchor="end">
          {max}
        </text>
        <text x={pad.left - 6} y={height - pad.bottom} fontSize="10" textAnchor="end">
          0
        </text>
        {stats.map((s, i) => {
          const x = pad.left + i * bar + 1;
          const ok = y(s.success_count);
          const failed = y(s.failed_count);
          const base = height - pad.bottom;
          return (
            <g key={s.date}>
              <title>{`${s.date.slice(0, 10)}: ${s.success_count} succeeded, ${s.failed_count} failed`}</title>
              <rect x={x} y={base - ok} width={Math.max(bar - 2, 1)} height={ok} fill="var(--ok)" />
              <rect
                x={x}
                y={base - ok - failed}
                width={Math.max(bar - 2, 1)}
                height={failed}
                fill="var(--bad)"
              />
              {i % 7 === 0 ? (
                <text x={x} y={height - 6} fontSize="10">
                  {s.date.slice(5, 10)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span>
          <i style={{ background: 'var(--ok)' }} /> succeeded ({totalOk})
        </span>
        <span>
          <i style={{ background: 'var(--bad)' }} /> failed ({totalFailed})
        </span>
      </figcaption>
    </figure>
  );
}
