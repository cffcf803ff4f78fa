// The History tab of a user or a PIREP: its stream's entries of the audit
// trail (stream_id=user-<id> | pirep-<id>), live like the trail itself.
import { useState } from 'react';
import { NO_AUDIT_FILTERS, useAudit } from '../api/audit';
import { useNow } from '../screens/useNow';
import { AuditList } from './AuditList';

export function History({ tenantId, streamId, label }: { tenantId: string; streamId: string; label: string }) {
  const q = useAudit(tenantId, { ...NO_AUDIT_FILTERS, tenant: tenantId, stream: streamId });
  const now = useNow();
  return <AuditList q={q} now={now} testid="history-list" caption={`History of ${label}`} showStream={false} compact />;
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
