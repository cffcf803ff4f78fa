// Aviation-style intensity symbols drawn in a marker (and in the legend):
// turbulence is a stack of carets (one light, two moderate, three severe,
// three on a bar extreme); icing is the icing cup with one vertical bar per
// step (trace/light one, moderate two, severe three).
export function Glyph({ kind, level }: { kind: 'TB' | 'IC'; level: number }) {
  const n = Math.max(1, Math.min(3, level));
  if (kind === 'TB') {
    const step = 3.5;
    const top = -((n - 1) * step) / 2;
    return (
      <g className="glyph" aria-hidden="true">
        {Array.from({ length: n }, (_, i) => {
          const y = top + i * step;
          return <path key={i} d={`M-5,${y + 2} L0,${y - 2} L5,${y + 2}`} />;
        })}
        {level >= 4 && <path d={`M-6,${top + (n - 1) * step + 4.5} L6,${top + (n - 1) * step + 4.5}`} />}
      </g>
    );
  }
  const xs = n === 1 ? [0] : n === 2 ? [-1.8, 1.8] : [-2.8, 0, 2.8];
  return (
    <g className="glyph" aria-hidden="true">
      <path d="M-6,-5 Q-6,5 0,5 Q6,5 6,-5" />
      {xs.map((x) => (
        <path key={x} d={`M${x},-4 L${x},3`} />
      ))}
    </g>
  );
}

/** LegendSwatch is a small standalone marker for the legend. */
export function LegendSwatch({ tone, kind, level }: { tone: string; kind?: 'TB' | 'IC'; level?: number }) {
  return (
    <svg width="22" height="22" viewBox="-11 -11 22 22" aria-hidden="true" className={`marker tone-${tone}`}>
      {tone === 'urgent' ? <rect x={-7.5} y={-7.5} width={15} height={15} rx={2} className="shape" transform="rotate(45)" /> : <circle r={10} className="shape" />}
      {kind ? <Glyph kind={kind} level={level ?? 1} /> : <circle r={2.5} className="dot" />}
    </svg>
  );
}
