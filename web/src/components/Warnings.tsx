import type { PirepWarning } from '../pirep/decode';

/**
 * Warnings lists the parts of a report kept as text ("element text: why");
 * it renders nothing when there are none.
 */
export function Warnings({ warnings, testid }: { warnings: PirepWarning[]; testid: string }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" data-testid={testid} aria-label="Kept as text">
      {warnings.map((w, i) => (
        <li key={i}>
          <code>
            {w.element} {w.text}
          </code>
          : {w.message}
        </li>
      ))}
    </ul>
  );
}
