// The platform admin's tenant picker, shared by the screens that look at one
// tenant at a time.
import type { Tenant, User } from '../api/types';
import { SelectField } from './Field';

/** firstCustomerTenant is the id of the first tenant that is neither the platform nor me's own, if any. */
export function firstCustomerTenant(items: readonly Tenant[] | undefined, me: Pick<User, 'tenant_id'> | undefined): string | undefined {
  return items?.find((t) => !t.platform && t.id !== me?.tenant_id)?.id;
}

/**
 * TenantSelect is a select of the tenants (one option each, by name);
 * markPlatform suffixes the platform tenant with " (platform)", keepUnknown
 * adds an option for a value not in the list (a tenant id from the URL).
 */
export function TenantSelect({
  label = 'Tenant',
  value,
  tenants,
  onChange,
  testid,
  markPlatform = false,
  keepUnknown = false,
}: {
  label?: string;
  value: string | undefined;
  tenants: readonly Tenant[] | undefined;
  onChange: (id: string) => void;
  testid: string;
  markPlatform?: boolean;
  keepUnknown?: boolean;
}) {
  return (
    <SelectField label={label} value={value} onChange={(e) => onChange(e.target.value)} testid={testid}>
      {tenants?.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
          {markPlatform && t.platform ? ' (platform)' : ''}
        </option>
      ))}
      {keepUnknown && !tenants?.some((t) => t.id === value) && <option value={value}>{value}</option>}
    </SelectField>
  );
}
