// Resource shapes of docs/openapi.yaml (the fields the UI reads).
export type Role = 'platform_admin' | 'tenant_admin' | 'pilot' | 'viewer';
export const ROLES: Role[] = ['platform_admin', 'tenant_admin', 'pilot', 'viewer'];

export interface Tenant {
  id: string;
  name: string;
  platform?: boolean;
  status?: 'active' | 'suspended';
  created_at: string;
  version: number;
}

/** AuditEntry is one event of a tenant's audit trail (GET /api/audit). */
export interface AuditEntry {
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  occurred_at: string;
  tenant_id: string;
  actor: { id: string; display_name: string; kind: 'user' | 'system' | 'api_key' };
  summary: string;
  data: Record<string, unknown>;
}

export interface User {
  id: string;
  tenant_id: string;
  email?: string;
  display_name: string;
  role: Role;
  /** erased: the personal data is gone; e-mail and display name read "[erased]" */
  status: 'active' | 'deactivated' | 'erased';
  created_at: string;
  version: number;
}

export interface ApiKey {
  id: string;
  name: string;
  owner_id: string;
  tenant_id: string;
  created_at: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
  prefix?: string;
  /** only in the create response */
  key?: string;
}

export interface Pirep {
  id: string;
  tenant_id: string;
  submitted_by: string;
  received_at: string;
  observed_at: string;
  type: 'UA' | 'UUA';
  urgent: boolean;
  raw: string;
  version: number;
  status?: 'active' | 'retracted';
  urgent_reasons?: string[];
  report?: Record<string, unknown>;
  retracted?: boolean;
  retracted_at?: string | null;
  position?: { lat: number; lon: number } | null;
  /** elements kept as their original text, and positions not resolved */
  warnings?: { element: string; text: string; message: string }[];
  [k: string]: unknown;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface LoginResponse {
  key: string;
  expires_at: string;
  user: User;
}

export interface BootstrapResponse {
  tenant: Tenant;
  user: User;
  api_key: ApiKey & { key: string };
  /** a browser session (12 h key), when the server returns one */
  session?: { key: string; expires_at?: string | null } | null;
  /** the session key at the top level, as login returns it */
  key?: string;
  expires_at?: string | null;
}

export interface Ticket {
  ticket: string;
  expires_at: string;
  url: string;
}
