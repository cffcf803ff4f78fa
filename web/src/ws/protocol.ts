// Wire frames of the WebSocket protocol (docs/websocket.md).

export interface EventFrame {
  type: 'event';
  channel: string;
  event_type: string;
  event_id: string;
  stream_id: string;
  version: number;
  occurred_at: string;
  data: Record<string, unknown>;
}

export interface AckFrame {
  type: 'ack';
  action: 'subscribe' | 'unsubscribe';
  id?: string;
  accepted?: string[];
  rejected?: { channel: string; reason: string }[];
  removed?: string[];
  missing?: string[];
}

export interface PongFrame {
  type: 'pong';
  id?: string;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message?: string;
  id?: string;
  retry_after_ms?: number;
}

export type ServerFrame = EventFrame | AckFrame | PongFrame | ErrorFrame;

export type ClientMessage =
  | { action: 'subscribe'; id: string; channels: string[] }
  | { action: 'unsubscribe'; id: string; channels: string[] }
  | { action: 'ping'; id: string };

/** parseFrame decodes a server frame, or returns null for anything malformed. */
export function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const t = (v as { type?: unknown }).type;
  if (t === 'event') {
    const f = v as EventFrame;
    if (typeof f.event_type !== 'string' || typeof f.channel !== 'string') return null;
    if (!f.data || typeof f.data !== 'object') f.data = {};
    return f;
  }
  if (t === 'ack' || t === 'pong' || t === 'error') return v as ServerFrame;
  return null;
}

/** wsUrl joins the ticket response's url and ticket, resolving a relative url against base. */
export function wsUrl(url: string, ticket: string, base?: string): string {
  let u = url;
  if (base && !/^wss?:\/\//i.test(url)) {
    const abs = new URL(url, base);
    abs.protocol = abs.protocol === 'https:' ? 'wss:' : 'ws:';
    u = abs.toString();
  }
  return u + (u.includes('?') ? '&' : '?') + 'ticket=' + encodeURIComponent(ticket);
}
