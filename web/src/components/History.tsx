// The History tab of a user or a PIREP: its stream's entries of the audit
// trail (stream_id=user-<id> | pirep-<id>), live like the trail itself.
import { useState } from 'react';
import { NO_AUDIT_FILTERS, useAudit } from '../api/audit';
import { AuditList } from './AuditList';
import { useModal } from './useModal';

export function History({ tenantId, streamId, label }: { tenantId: string; streamId: string; label: string }) {
  const q = useAudit(tenantId, { ...NO_AUDIT_FILTERS, tenant: tenantId, stream: streamId });
  return <AuditList q={q} testid="history-list" caption={`History of ${label}`} compact />;
}

/** HistoryTab is a disclosure that loads the history only once opened. */
export function HistoryTab({ tenantId, streamId, label, testid }: { tenantId: string; streamId: string; label: string; testid?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="history" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid={testid}>
      <summary>History</summary>
      {open && <History tenantId={tenantId} streamId={streamId} label={label} />}
    </details>
  );
}

/**
 * HistoryButton opens the history in a dialog: for a row of a wide table
 * (a PIREP), where a list inside the cell would widen the page.
 */
export function HistoryButton({ tenantId, streamId, label, testid }: { tenantId: string; streamId: string; label: string; testid?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="secondary" onClick={() => setOpen(true)} data-testid={testid} aria-label={`History of ${label}`}>
        History
      </button>
      {open && <HistoryDialog tenantId={tenantId} streamId={streamId} label={label} onClose={() => setOpen(false)} />}
    </>
  );
}

function HistoryDialog({ tenantId, streamId, label, onClose }: { tenantId: string; streamId: string; label: string; onClose: () => void }) {
  const ref = useModal();
  return (
    <dialog ref={ref} aria-labelledby="history-h" onCancel={onClose} data-testid="history-dialog" className="history-dialog">
      <div className="dialog-body">
        <h2 id="history-h">History of {label}</h2>
        <History tenantId={tenantId} streamId={streamId} label={label} />
        <div className="row">
          <button type="button" className="secondary" onClick={onClose} data-testid="history-close">
            Close
          </button>
        </div>
      </div>
    </dialog>
  );
}
