// The event-frame -> query-key mapper, written as data. Each backend event
// type names the query keys it makes stale; a key element written ":name" is
// filled from the frame (data.<name>, else the channel or stream id). When a
// placeholder cannot be filled the key is cut there, so TanStack Query's
// prefix matching invalidates more, never less.
import type { QueryClient } from '@tanstack/react-query';
import type { Page, Pirep } from '../api/types';
import { markRetracted } from '../api/cache';
import type { EventFrame } from './protocol';

export type KeyTemplate = readonly string[];

export interface EventRule {
  /** invalidate lists the key templates whose queries refetch. */
  invalidate: readonly KeyTemplate[];
  /** self lists keys refetched only when the event is about the signed-in user (data.user_id). */
  self?: readonly KeyTemplate[];
  /** update names an in-place cache update applied before invalidation. */
  update?: 'pirep.upsert' | 'pirep.retract';
}

/**
 * EVENT_RULES covers exactly the event types the backend emits: every
 * context's EventTypes (contexts.EventTypes(), which the Go tests write to
 * contexts/testdata/registry.json for the test of this file).
 */
export const EVENT_RULES: Readonly<Record<string, EventRule>> = {
  'tenant.created': { invalidate: [['tenants'], ['tenant', ':tenant_id']] },
  'tenant.renamed': { invalidate: [['tenants'], ['tenant', ':tenant_id']] },
  // the tenant's own users refetch me: a suspended tenant's requests answer 403
  'tenant.suspended': { invalidate: [['tenants'], ['tenant', ':tenant_id']], self: [['me']] },
  'tenant.reactivated': { invalidate: [['tenants'], ['tenant', ':tenant_id']], self: [['me']] },

  'user.created': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']] },
  'user.role_changed': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']], self: [['me']] },
  // me refetches for the user concerned: deactivated, it answers 401/403 and the app signs out.
  'user.deactivated': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']], self: [['me']] },
  'user.reactivated': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']], self: [['me']] },
  'user.password_changed': { invalidate: [['user', ':user_id']], self: [['me']] },
  'user.profile_updated': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']], self: [['me']] },
  // the user list shows "[erased]" and the audit trail is rewritten
  'user.erased': { invalidate: [['users', ':tenant_id'], ['user', ':user_id']] },

  'apikey.created': { invalidate: [['apikeys']] },
  'apikey.revoked': { invalidate: [['apikeys']] },

  'pirep.submitted': { invalidate: [['pireps'], ['pirep', ':pirep_id']], update: 'pirep.upsert' },
  'pirep.retracted': { invalidate: [['pireps'], ['pirep', ':pirep_id']], update: 'pirep.retract' },
};

/** EVENT_TYPES lists the event types the mapper knows. */
export const EVENT_TYPES = Object.keys(EVENT_RULES);

/**
 * STREAM_PLACEHOLDER names, per placeholder, the stream prefix of the
 * aggregate whose id it is (streams "<prefix>-<id>"): the frame's stream id
 * fills it when the data lacks it. Each is a declared stream prefix (tested).
 */
export const STREAM_PLACEHOLDER: Readonly<Record<string, string>> = {
  tenant_id: 'tenant',
  user_id: 'user',
  key_id: 'apikey',
  pirep_id: 'pirep',
};

/** streamID returns the id of a stream of the given prefix, or undefined. */
function streamID(f: EventFrame, prefix: string | undefined): string | undefined {
  if (!prefix || !f.stream_id?.startsWith(prefix + '-')) return undefined;
  return f.stream_id.slice(prefix.length + 1) || undefined;
}

/** resolve fills one placeholder from the frame, or returns undefined. */
function resolve(name: string, f: EventFrame): string | undefined {
  const d = f.data ?? {};
  const v = d[name];
  if (typeof v === 'string' && v !== '') return v;
  const prefix = STREAM_PLACEHOLDER[name];
  const id = streamID(f, prefix);
  if (name === 'pirep_id' && typeof d.id === 'string' && id !== undefined) return d.id;
  if (id !== undefined) return id;
  if (name === 'tenant_id') {
    const m = /^tenant:([^:]+):/.exec(f.channel ?? '');
    if (m) return m[1];
  }
  return undefined;
}

/**
 * keysFor returns the concrete query keys a frame invalidates ([] for
 * unknown types). selfId is the signed-in user's id: the rule's self keys
 * apply when the event is about that user, or when selfId is unknown.
 */
export function keysFor(f: EventFrame, selfId?: string): string[][] {
  const rule = EVENT_RULES[f.event_type];
  if (!rule) return [];
  const out: string[][] = [];
  const about = resolve('user_id', f);
  const templates = [...rule.invalidate, ...(rule.self && (!selfId || !about || about === selfId) ? rule.self : [])];
  for (const tpl of templates) {
    const key: string[] = [];
    for (const part of tpl) {
      if (!part.startsWith(':')) {
        key.push(part);
        continue;
      }
      const v = resolve(part.slice(1), f);
      if (v === undefined) break;
      key.push(v);
    }
    if (!out.some((k) => k.length === key.length && k.every((x, i) => x === key[i]))) out.push(key);
  }
  return out;
}

/**
 * auditKeyFor is the audit-trail key an event frame makes stale: every
 * event, known to the rules or not, is an entry of its tenant's trail (and
 * of a History tab, which is a filtered trail). A frame whose tenant cannot
 * be told invalidates every trail.
 */
export function auditKeyFor(f: EventFrame): string[] {
  const t = resolve('tenant_id', f);
  return t ? ['audit', t] : ['audit'];
}

/** pirepFromFrame builds a feed item from a pirep.submitted frame when it carries enough. */
export function pirepFromFrame(f: EventFrame): Pirep | null {
  const d = f.data ?? {};
  const id = resolve('pirep_id', f);
  const raw = typeof d.raw === 'string' ? d.raw : undefined;
  if (!id || !raw) return null;
  const type = d.type === 'UUA' || d.type === 'UA' ? d.type : raw.includes(' UUA') || raw.startsWith('UUA') ? 'UUA' : 'UA';
  return {
    ...d,
    id,
    tenant_id: String(d.tenant_id ?? resolve('tenant_id', f) ?? ''),
    submitted_by: String(d.submitted_by ?? ''),
    received_at: String(d.received_at ?? f.occurred_at ?? ''),
    observed_at: String(d.observed_at ?? d.received_at ?? f.occurred_at ?? ''),
    type,
    urgent: typeof d.urgent === 'boolean' ? d.urgent : type === 'UUA',
    raw,
    version: typeof f.version === 'number' ? f.version : 1,
  };
}

/**
 * applyFrame applies one event frame to the query cache: first the in-place
 * update (so the feed shows a new PIREP without a round trip), then the
 * invalidations (the projector notifies after the read model is written, so
 * the refetch sees the new state).
 */
export function applyFrame(qc: QueryClient, f: EventFrame): void {
  if (f.event_type) void qc.invalidateQueries({ queryKey: auditKeyFor(f) });
  const rule = EVENT_RULES[f.event_type];
  if (!rule) return;
  if (rule.update === 'pirep.upsert') {
    const p = pirepFromFrame(f);
    if (p) {
      qc.setQueriesData<Page<Pirep>>({ queryKey: ['pireps'] }, (old) => {
        if (!old || !Array.isArray(old.items)) return old;
        if (old.items.some((x) => x.id === p.id)) return old;
        return { ...old, items: [p, ...old.items] };
      });
    }
  } else if (rule.update === 'pirep.retract') {
    const id = resolve('pirep_id', f);
    if (id) markRetracted(qc, id);
  }
  const me = qc.getQueryData<{ id?: string }>(['me']);
  for (const key of keysFor(f, me?.id)) void qc.invalidateQueries({ queryKey: key });
}
