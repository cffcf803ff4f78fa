// Binds the WsClient to the app: one connection per signed-in session,
// channel subscriptions derived from the signed-in user, frames applied to
// the TanStack Query cache through the mapper, everything refetched after a
// reconnect (events may have been missed while offline).
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/client';
import { getTicket } from '../api/hooks';
import { isSuspended, subscribeSuspended, TENANT_SUSPENDED } from '../api/suspension';
import type { User } from '../api/types';
import { setSession } from '../session';
import { WsClient, type WsSnapshot } from './client';
import { applyFrame } from './mapper';

const Ctx = createContext<WsClient | null>(null);

/** channelsFor lists the channels the console subscribes to beyond the automatic ones. */
export function channelsFor(me: Pick<User, 'id' | 'tenant_id' | 'role'>): string[] {
  const ch = [`tenant:${me.tenant_id}:pireps`];
  if (me.role === 'platform_admin') ch.push('platform:tenants');
  return ch;
}

export function WsProvider({ sessionKey, me, children }: { sessionKey: string; me: User | undefined; children: ReactNode }) {
  const qc = useQueryClient();
  const client = useMemo(
    () =>
      new WsClient({
        getTicket,
        isUnauthorized: (e) => e instanceof ApiError && e.authFailure,
        onUnauthorized: () => setSession(null),
        // a suspended tenant's tickets are refused until it is reactivated
        isRefused: (e) => e instanceof ApiError && e.code === TENANT_SUSPENDED,
        base: typeof location !== 'undefined' ? location.href : undefined,
      }),
    // a new session gets a new connection
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [sessionKey],
  );

  useEffect(() => {
    const offEvent = client.onEvent((f) => applyFrame(qc, f));
    const offRe = client.onReconnect(() => void qc.invalidateQueries());
    // reactivated (an API call succeeded again): connect again
    const offSusp = subscribeSuspended(() => {
      if (!isSuspended() && client.snapshot().state === 'refused') client.start();
    });
    client.start();
    return () => {
      offEvent();
      offRe();
      offSusp();
      client.stop();
    };
  }, [client, qc]);

  const channels = me ? channelsFor(me).join(',') : '';
  useEffect(() => {
    if (!channels) return;
    const list = channels.split(',');
    client.subscribe(list);
    return () => client.unsubscribe(list);
  }, [client, channels]);

  return <Ctx.Provider value={client}>{children}</Ctx.Provider>;
}

const IDLE: WsSnapshot = { state: 'idle', attempt: 0, retryAt: null, pausedUntil: null, rejected: [] };

export function useWsState(): WsSnapshot {
  const c = useContext(Ctx);
  return useSyncExternalStore(
    c ? c.subscribeState : noopSubscribe,
    c ? c.snapshot : () => IDLE,
  );
}

function noopSubscribe() {
  return () => undefined;
}

/**
 * useWsChannels subscribes extra channels while the calling screen is
 * mounted (e.g. a platform admin watching another tenant's users). Do not
 * pass the channels the server subscribes on connect: unmounting would
 * unsubscribe them.
 */
export function useWsChannels(channels: string[]): void {
  const c = useContext(Ctx);
  const list = channels.join(',');
  useEffect(() => {
    if (!c || !list) return;
    const chs = list.split(',');
    c.subscribe(chs);
    return () => c.unsubscribe(chs);
  }, [c, list]);
}
