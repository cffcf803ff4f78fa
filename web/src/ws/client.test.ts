import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WsClient, type WsClientOptions } from './client';
import { FakeSocket } from './fakeSocket';
import type { EventFrame } from './protocol';

class Unauthorized extends Error {
  status = 401;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

function make(over: Partial<WsClientOptions> = {}) {
  let n = 0;
  const getTicket = vi.fn(async () => ({ ticket: `t${++n}`, url: 'ws://gw.test/ws' }));
  const onUnauthorized = vi.fn();
  const c = new WsClient({
    getTicket,
    WebSocket: FakeSocket,
    random: () => 0, // lower bound of the jitter: delays are exp/2
    isUnauthorized: (e) => (e as Unauthorized)?.status === 401,
    onUnauthorized,
    pingIntervalMs: 25_000,
    pongTimeoutMs: 10_000,
    ...over,
  });
  return { c, getTicket: (over.getTicket ?? getTicket) as ReturnType<typeof vi.fn>, onUnauthorized };
}

async function connected(over: Partial<WsClientOptions> = {}) {
  const m = make(over);
  m.c.start();
  await flush();
  FakeSocket.last().open();
  return { ...m, ws: FakeSocket.last() };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WsClient connection', () => {
  it('opens the ticket url with ?ticket= and reports its state', async () => {
    const { c, getTicket } = make();
    const states: string[] = [];
    c.subscribeState(() => states.push(c.snapshot().state));
    c.start();
    expect(c.snapshot().state).toBe('connecting');
    await flush();
    expect(getTicket).toHaveBeenCalledTimes(1);
    const ws = FakeSocket.last();
    expect(ws.url).toBe('ws://gw.test/ws?ticket=t1');
    ws.open();
    expect(c.snapshot().state).toBe('open');
    expect(states).toContain('open');
  });

  it('resolves a relative ticket url against the page', async () => {
    const { c } = make({
      base: 'https://console.example/app',
      getTicket: async () => ({ ticket: 'a b', url: '/ws' }),
    });
    c.start();
    await flush();
    expect(FakeSocket.last().url).toBe('wss://console.example/ws?ticket=a%20b');
  });

  it('subscribes the desired channels in one message on open', async () => {
    const { c } = make();
    c.subscribe(['tenant:T1:pireps', 'platform:tenants']);
    c.start();
    await flush();
    const ws = FakeSocket.last();
    expect(ws.sent).toHaveLength(0);
    ws.open();
    expect(ws.messages()).toEqual([{ action: 'subscribe', id: 'c1', channels: ['tenant:T1:pireps', 'platform:tenants'] }]);
  });

  it('sends only new channels when subscribing while open, and unsubscribes', async () => {
    const { c, ws } = await connected();
    c.subscribe(['a:1:updates']);
    c.subscribe(['a:1:updates', 'b:2:updates']);
    c.unsubscribe(['a:1:updates', 'never:subscribed']);
    expect(ws.messages()).toEqual([
      { action: 'subscribe', id: 'c1', channels: ['a:1:updates'] },
      { action: 'subscribe', id: 'c2', channels: ['b:2:updates'] },
      { action: 'unsubscribe', id: 'c3', channels: ['a:1:updates'] },
    ]);
    expect(c.channels()).toEqual(['b:2:updates']);
  });

  it('delivers event frames and ignores malformed ones', async () => {
    const { c, ws } = await connected();
    const got: EventFrame[] = [];
    c.onEvent((f) => got.push(f));
    ws.receive('not json');
    ws.receive({ type: 'event' }); // no event_type
    ws.receive({ type: 'mystery' });
    ws.receive({ type: 'event', channel: 'tenant:T:pireps', event_type: 'pirep.submitted', event_id: 'e1', stream_id: 'pirep-1', version: 1, occurred_at: 'x', data: { raw: 'X' } });
    expect(got.map((f) => f.event_id)).toEqual(['e1']);
  });
});

describe('WsClient reconnect', () => {
  it('reconnects after the jittered backoff and resubscribes everything', async () => {
    const { c, getTicket, ws } = await connected();
    c.subscribe(['tenant:T:pireps', 'platform:tenants']);
    const reconnects = vi.fn();
    c.onReconnect(reconnects);
    ws.serverClose(1006);
    expect(c.snapshot().state).toBe('reconnecting');
    expect(c.snapshot().attempt).toBe(1);
    await vi.advanceTimersByTimeAsync(249); // attempt 0: [250, 500) with random()=0 -> 250
    expect(getTicket).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(getTicket).toHaveBeenCalledTimes(2);
    const ws2 = FakeSocket.last();
    expect(ws2).not.toBe(ws);
    expect(ws2.url).toBe('ws://gw.test/ws?ticket=t2'); // a fresh one-time ticket
    ws2.open();
    expect(c.snapshot().state).toBe('open');
    expect(reconnects).toHaveBeenCalledTimes(1);
    expect(ws2.messages()).toEqual([{ action: 'subscribe', id: expect.any(String), channels: ['tenant:T:pireps', 'platform:tenants'] }]);
  });

  it('backs off exponentially while the server stays away, then resets once it talks', async () => {
    const { c, getTicket } = make({ getTicket: vi.fn().mockRejectedValue(new Error('network')) });
    c.start();
    await flush();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = c.snapshot();
      waits.push(s.retryAt! - Date.now());
      await vi.advanceTimersByTimeAsync(s.retryAt! - Date.now());
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000]);
    expect(getTicket).toHaveBeenCalledTimes(7);

    getTicket.mockResolvedValue({ ticket: 'ok', url: 'ws://gw.test/ws' });
    await vi.advanceTimersByTimeAsync(c.snapshot().retryAt! - Date.now());
    const ws = FakeSocket.last();
    ws.open();
    expect(c.snapshot().attempt).toBe(7); // open alone proves little
    ws.receive({ type: 'pong', id: 'x' });
    expect(c.snapshot().attempt).toBe(0);
    ws.serverClose();
    expect(c.snapshot().retryAt! - Date.now()).toBe(250);
  });

  it('draws the reconnect delay inside the jitter bounds', async () => {
    const { c, ws } = await connected({ random: () => 0.75 });
    ws.serverClose();
    expect(c.snapshot().retryAt! - Date.now()).toBe(437); // floor(250 + 0.75 * 250)
  });

  it('logs out instead of retrying when the ticket request answers 401', async () => {
    const { c, getTicket, onUnauthorized, ws } = await connected();
    getTicket.mockRejectedValue(new Unauthorized('401'));
    ws.serverClose(1008, 'user deactivated');
    await vi.advanceTimersByTimeAsync(500);
    expect(c.snapshot().state).toBe('unauthorized');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(getTicket).toHaveBeenCalledTimes(2);
  });

  it('stops in state refused instead of looping when the ticket is refused (tenant suspended); start() tries again', async () => {
    class Suspended extends Error {
      code = 'tenant_suspended';
    }
    const { c, getTicket, onUnauthorized, ws } = await connected({ isRefused: (e) => (e as Suspended)?.code === 'tenant_suspended' });
    getTicket.mockRejectedValueOnce(new Suspended('403'));
    ws.serverClose(1008, 'tenant suspended');
    await vi.advanceTimersByTimeAsync(500);
    expect(c.snapshot().state).toBe('refused');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(getTicket).toHaveBeenCalledTimes(2);
    expect(onUnauthorized).not.toHaveBeenCalled();
    c.start();
    await flush();
    FakeSocket.last().open();
    expect(getTicket).toHaveBeenCalledTimes(3);
    expect(c.snapshot().state).toBe('open');
  });

  it('stops for good on stop()', async () => {
    const { c, getTicket, ws } = await connected();
    c.stop();
    expect(ws.closedWith?.code).toBe(1000);
    expect(c.snapshot().state).toBe('stopped');
    ws.serverClose();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(getTicket).toHaveBeenCalledTimes(1);
  });
});

describe('WsClient ping', () => {
  it('pings on the interval and keeps the link while pongs come back', async () => {
    const { c, ws } = await connected();
    await vi.advanceTimersByTimeAsync(25_000);
    const ping = ws.messages().find((m) => m.action === 'ping')!;
    expect(ping).toBeTruthy();
    ws.receive({ type: 'pong', id: ping.id });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.snapshot().state).toBe('open');
    expect(ws.closedWith).toBeNull();
  });

  it('drops the connection and reconnects when no pong arrives in time', async () => {
    const { c, getTicket, ws } = await connected();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(ws.messages().filter((m) => m.action === 'ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(c.snapshot().state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.closedWith?.code).toBe(4000);
    expect(c.snapshot().state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(250);
    expect(getTicket).toHaveBeenCalledTimes(2);
  });
});

describe('WsClient rate limits', () => {
  it('holds control messages for retry_after_ms after rate_limited and resends the unanswered ones', async () => {
    const { c, ws } = await connected();
    c.subscribe(['tenant:T:pireps']);
    expect(ws.sent).toHaveLength(1);
    ws.receive({ type: 'error', code: 'rate_limited', retry_after_ms: 2000 });
    expect(c.snapshot().pausedUntil).toBe(Date.now() + 2000);
    c.subscribe(['platform:tenants']); // queued behind the pause
    await vi.advanceTimersByTimeAsync(1999);
    expect(ws.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const msgs = ws.messages();
    expect(msgs).toHaveLength(3);
    expect(msgs[1]).toEqual(msgs[0]); // the refused subscribe, same id
    expect(msgs[2].channels).toEqual(['platform:tenants']);
    expect(c.snapshot().pausedUntil).toBeNull();
  });

  it('does not resend what the server acknowledged before the rate limit', async () => {
    const { c, ws } = await connected();
    c.subscribe(['a:1:updates']);
    ws.receive({ type: 'ack', action: 'subscribe', id: 'c1', accepted: ['a:1:updates'], rejected: [] });
    ws.receive({ type: 'error', code: 'rate_limited', retry_after_ms: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(ws.sent).toHaveLength(1);
  });

  it('keeps within its own budget of control messages per window', async () => {
    const { c, ws } = await connected({ maxControlPerWindow: 3, controlWindowMs: 10_000 });
    for (let i = 0; i < 5; i++) c.subscribe([`tenant:T${i}:pireps`]);
    expect(ws.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(ws.sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sent).toHaveLength(5);
  });

  it('records rejected channels from the ack', async () => {
    const { c, ws } = await connected();
    c.subscribe(['tenant:OTHER:pireps']);
    ws.receive({ type: 'ack', action: 'subscribe', id: 'c1', accepted: [], rejected: [{ channel: 'tenant:OTHER:pireps', reason: 'forbidden' }] });
    expect(c.snapshot().rejected).toEqual([{ channel: 'tenant:OTHER:pireps', reason: 'forbidden' }]);
  });
});
