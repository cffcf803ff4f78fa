// WsClient keeps one WebSocket to the SkyLedger gateway alive for the app:
// ticket flow, reconnect with jittered exponential backoff, resubscription
// after reconnect, app-level ping with a pong deadline, a client-side control
// message budget, and respect for the server's rate_limited (retry_after_ms).
// It has no React and no fetch: the app injects getTicket and the socket class.
import { backoffDelay } from './backoff';
import { parseFrame, wsUrl, type ClientMessage, type EventFrame, type ServerFrame } from './protocol';

export type WsState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'refused' | 'stopped';

/** The subset of the browser WebSocket the client uses (a fake implements it in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export interface TicketLike {
  ticket: string;
  url: string;
}

export interface WsClientOptions {
  /** getTicket asks POST /api/ws/ticket. */
  getTicket: () => Promise<TicketLike>;
  /** isUnauthorized tells whether a getTicket failure means the credentials are gone (401). */
  isUnauthorized?: (err: unknown) => boolean;
  /** onUnauthorized runs once when the ticket request answers 401: the app logs out. */
  onUnauthorized?: () => void;
  /**
   * isRefused tells whether a getTicket failure is a lasting refusal that
   * retrying cannot fix (403 tenant_suspended): the client stops in state
   * 'refused' instead of reconnecting in a loop; start() tries again.
   */
  isRefused?: (err: unknown) => boolean;
  WebSocket?: WebSocketCtor;
  /** base resolves a relative ticket url (location.href in the browser). */
  base?: string;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Control messages (subscribe, unsubscribe, ping) per window; the server allows 10 per 10 s. */
  maxControlPerWindow?: number;
  controlWindowMs?: number;
}

export interface WsSnapshot {
  state: WsState;
  /** attempt is the number of consecutive failed connection attempts. */
  attempt: number;
  /** retryAt is the epoch ms of the next reconnect attempt while reconnecting. */
  retryAt: number | null;
  /** pausedUntil is set while the server's rate limit holds control messages back. */
  pausedUntil: number | null;
  rejected: { channel: string; reason: string }[];
}

const OPEN = 1;

export class WsClient {
  private readonly o: Required<Omit<WsClientOptions, 'onUnauthorized' | 'isUnauthorized' | 'isRefused' | 'base'>> &
    Pick<WsClientOptions, 'onUnauthorized' | 'isUnauthorized' | 'isRefused' | 'base'>;
  private ws: WebSocketLike | null = null;
  private gen = 0;
  private everOpened = false;
  private snap: WsSnapshot = { state: 'idle', attempt: 0, retryAt: null, pausedUntil: null, rejected: [] };
  private readonly desired = new Set<string>();
  private outbox: ClientMessage[] = [];
  private readonly pending = new Map<string, ClientMessage>();
  private sentAt: number[] = [];
  private seq = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly eventListeners = new Set<(f: EventFrame) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();

  constructor(opts: WsClientOptions) {
    this.o = {
      WebSocket: opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor),
      random: opts.random ?? Math.random,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      pingIntervalMs: opts.pingIntervalMs ?? 25_000,
      pongTimeoutMs: opts.pongTimeoutMs ?? 10_000,
      maxControlPerWindow: opts.maxControlPerWindow ?? 8,
      controlWindowMs: opts.controlWindowMs ?? 10_000,
      ...opts,
    } as WsClient['o'];
  }

  // ---- public API -------------------------------------------------------

  /** snapshot is the current state; its identity changes only when something changed. */
  snapshot = (): WsSnapshot => this.snap;

  /** subscribeState registers a change listener (useSyncExternalStore shape). */
  subscribeState = (l: () => void): (() => void) => {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  };

  /** onEvent registers a listener for event frames. */
  onEvent(l: (f: EventFrame) => void): () => void {
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  }

  /** onReconnect runs after every successful reconnect (not the first open): events may have been missed. */
  onReconnect(l: () => void): () => void {
    this.reconnectListeners.add(l);
    return () => this.reconnectListeners.delete(l);
  }

  /** start opens the connection (idempotent). */
  start(): void {
    if (this.snap.state !== 'idle' && this.snap.state !== 'stopped' && this.snap.state !== 'refused') return;
    this.connect();
  }

  /** stop closes the connection and cancels every timer; start may be called again. */
  stop(): void {
    this.gen++;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'client stop');
      } catch {
        /* already closed */
      }
    }
    this.outbox = [];
    this.pending.clear();
    this.everOpened = false;
    this.set({ state: 'stopped', attempt: 0, retryAt: null, pausedUntil: null });
  }

  /** subscribe adds channels to the desired set; they are (re)subscribed on every connection. */
  subscribe(channels: string[]): void {
    const fresh = channels.filter((c) => !this.desired.has(c));
    fresh.forEach((c) => this.desired.add(c));
    if (fresh.length && this.isOpen()) this.enqueue({ action: 'subscribe', id: this.nextId(), channels: fresh });
  }

  /** unsubscribe removes channels from the desired set. */
  unsubscribe(channels: string[]): void {
    const gone = channels.filter((c) => this.desired.delete(c));
    if (gone.length && this.isOpen()) this.enqueue({ action: 'unsubscribe', id: this.nextId(), channels: gone });
  }

  /** channels lists the desired channels. */
  channels(): string[] {
    return [...this.desired];
  }

  // ---- connection -------------------------------------------------------

  private isOpen(): boolean {
    return this.ws !== null && this.snap.state === 'open';
  }

  private connect(): void {
    const gen = ++this.gen;
    this.set({ state: this.everOpened || this.snap.attempt > 0 ? 'reconnecting' : 'connecting', retryAt: null });
    this.o.getTicket().then(
      (t) => {
        if (gen !== this.gen) return;
        let ws: WebSocketLike;
        try {
          ws = new this.o.WebSocket(wsUrl(t.url, t.ticket, this.o.base));
        } catch {
          this.scheduleReconnect();
          return;
        }
        this.ws = ws;
        ws.onopen = () => gen === this.gen && this.handleOpen();
        ws.onmessage = (ev) => gen === this.gen && this.handleMessage(ev.data);
        ws.onclose = () => gen === this.gen && this.handleClose();
        ws.onerror = () => undefined; // onclose follows
      },
      (err) => {
        if (gen !== this.gen) return;
        if (this.o.isUnauthorized?.(err)) {
          this.gen++;
          this.clearTimers();
          this.set({ state: 'unauthorized', retryAt: null });
          this.o.onUnauthorized?.();
          return;
        }
        if (this.o.isRefused?.(err)) {
          this.gen++;
          this.clearTimers();
          this.set({ state: 'refused', attempt: 0, retryAt: null });
          return;
        }
        this.scheduleReconnect();
      },
    );
  }

  private handleOpen(): void {
    const reconnected = this.everOpened;
    this.everOpened = true;
    this.outbox = [];
    this.pending.clear();
    this.set({ state: 'open', retryAt: null, pausedUntil: null, rejected: [] });
    if (this.desired.size) this.enqueue({ action: 'subscribe', id: this.nextId(), channels: [...this.desired] });
    this.pingTimer = setInterval(() => this.enqueue({ action: 'ping', id: this.nextId() }), this.o.pingIntervalMs);
    if (reconnected) this.reconnectListeners.forEach((l) => l());
  }

  private handleClose(): void {
    this.ws = null;
    this.clearTimers();
    this.pending.clear();
    this.outbox = [];
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const attempt = this.snap.attempt;
    const delay = backoffDelay(attempt, this.o.random, this.o.baseDelayMs, this.o.maxDelayMs);
    this.gen++;
    this.set({ state: 'reconnecting', attempt: attempt + 1, retryAt: Date.now() + delay, pausedUntil: null });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** dropConnection abandons the socket (pong timeout) and reconnects. */
  private dropConnection(): void {
    const ws = this.ws;
    if (ws) {
      detach(ws);
      try {
        ws.close(4000, 'pong timeout');
      } catch {
        /* ignore */
      }
    }
    this.handleClose();
  }

  // ---- frames -----------------------------------------------------------

  private handleMessage(data: unknown): void {
    const f = parseFrame(data);
    if (!f) return;
    if (this.snap.attempt !== 0) this.set({ attempt: 0 }); // the server talks to us: the link is healthy
    this.dispatch(f);
  }

  private dispatch(f: ServerFrame): void {
    switch (f.type) {
      case 'event':
        this.eventListeners.forEach((l) => l(f));
        return;
      case 'ack':
        if (f.id) this.pending.delete(f.id);
        if (f.rejected?.length) this.set({ rejected: [...this.snap.rejected, ...f.rejected] });
        return;
      case 'pong':
        if (f.id) this.pending.delete(f.id);
        if (this.pongTimer) clearTimeout(this.pongTimer);
        this.pongTimer = null;
        return;
      case 'error':
        if (f.code === 'rate_limited') this.rateLimited(f.retry_after_ms);
        return;
    }
  }

  /**
   * rateLimited: the server did not act on one or more of our control
   * messages. Everything sent and not yet answered goes back to the front of
   * the outbox, and nothing is sent before retry_after_ms has passed.
   */
  private rateLimited(retryAfterMs: number | undefined): void {
    const wait = Math.max(typeof retryAfterMs === 'number' && isFinite(retryAfterMs) ? retryAfterMs : 1000, 0);
    const resend = [...this.pending.values()];
    this.pending.clear();
    this.outbox = [...resend, ...this.outbox];
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
    this.set({ pausedUntil: Date.now() + wait });
    this.scheduleFlush(wait);
  }

  // ---- control messages ---------------------------------------------------

  private nextId(): string {
    return 'c' + ++this.seq;
  }

  private enqueue(m: ClientMessage): void {
    // one ping in flight is enough
    if (m.action === 'ping' && [...this.pending.values(), ...this.outbox].some((x) => x.action === 'ping')) return;
    this.outbox.push(m);
    this.flush();
  }

  private scheduleFlush(ms: number): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, ms);
  }

  private flush(): void {
    const ws = this.ws;
    if (!ws || this.snap.state !== 'open' || ws.readyState !== OPEN) return;
    const now = Date.now();
    if (this.snap.pausedUntil !== null) {
      if (now < this.snap.pausedUntil) {
        this.scheduleFlush(this.snap.pausedUntil - now);
        return;
      }
      this.set({ pausedUntil: null });
    }
    this.sentAt = this.sentAt.filter((t) => now - t < this.o.controlWindowMs);
    while (this.outbox.length) {
      if (this.sentAt.length >= this.o.maxControlPerWindow) {
        this.scheduleFlush(this.sentAt[0] + this.o.controlWindowMs - now);
        return;
      }
      const m = this.outbox.shift()!;
      ws.send(JSON.stringify(m));
      this.sentAt.push(now);
      this.pending.set(m.id, m);
      if (m.action === 'ping' && !this.pongTimer) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = null;
          this.dropConnection();
        }, this.o.pongTimeoutMs);
      }
    }
  }

  // ---- plumbing -----------------------------------------------------------

  private clearTimers(): void {
    for (const t of [this.reconnectTimer, this.flushTimer, this.pongTimer]) if (t) clearTimeout(t);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.reconnectTimer = this.flushTimer = this.pongTimer = this.pingTimer = null;
  }

  private set(p: Partial<WsSnapshot>): void {
    this.snap = { ...this.snap, ...p };
    this.stateListeners.forEach((l) => l());
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
}
