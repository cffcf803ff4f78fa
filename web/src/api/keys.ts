// TanStack Query keys: the one naming of server state in the app. The
// WebSocket mapper (ws/mapper.ts) refers to the same shapes.
export const qk = {
  /** bootstrapState: GET /api/bootstrap, whether the platform exists. */
  bootstrapState: ['bootstrap-state'] as const,
  me: ['me'] as const,
  tenants: ['tenants'] as const,
  tenant: (id: string) => ['tenant', id] as const,
  users: (tenantId: string) => ['users', tenantId] as const,
  user: (id: string) => ['user', id] as const,
  apikeys: ['apikeys'] as const,
  pireps: ['pireps'] as const,
  pirep: (id: string) => ['pirep', id] as const,
  /** audit: ['audit', tenantId, filters]; every event frame invalidates its tenant's trail. */
  audit: (tenantId: string) => ['audit', tenantId] as const,
  /** auditAll: every tenant's trail. */
  auditAll: ['audit'] as const,
};
