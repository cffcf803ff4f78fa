import { useEffect, useState, useSyncExternalStore } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { logout, useMe } from './api/hooks';
import type { User } from './api/types';
import { getSession, setSession, subscribeSession, takeOneTimeSecret } from './session';
import { WsProvider, useWsState } from './ws/WsProvider';
import { Login } from './screens/Login';
import { Bootstrap } from './screens/Bootstrap';
import { Account } from './screens/Account';
import { Tenants } from './screens/Tenants';
import { Users } from './screens/Users';
import { ApiKeys } from './screens/ApiKeys';
import { PirepSubmit } from './screens/PirepSubmit';
import { Pireps } from './screens/Pireps';
import { Audit } from './screens/Audit';
import { isSuspended, setSuspended, subscribeSuspended } from './api/suspension';
import { useRoute, type Route } from './route';

export function App() {
  const session = useSyncExternalStore(subscribeSession, getSession);
  const route = useRoute();
  const qc = useQueryClient();
  // what the server told the ended session is forgotten with it, however it
  // ended (sign-out, a 401, a deactivation)
  useEffect(() => {
    if (!session) {
      qc.clear();
      setSuspended(false);
    }
  }, [session, qc]);

  if (!session) return route.path[0] === 'bootstrap' ? <Bootstrap /> : <Login />;
  return <SignedIn sessionKey={session.key} route={route} />;
}

function SignedIn({ sessionKey, route }: { sessionKey: string; route: Route }) {
  const me = useMe();
  const user = me.data;
  // a deactivated user is signed out even if the server still answered
  useEffect(() => {
    if (user && user.status === 'deactivated') setSession(null);
  }, [user]);

  return (
    <WsProvider sessionKey={sessionKey} me={user}>
      <Shell me={user} route={route} loading={me.isPending} error={me.error as Error | null} />
    </WsProvider>
  );
}

const NAV: { path: string; label: string; show: (u: User) => boolean }[] = [
  { path: 'pireps', label: 'PIREPs', show: () => true },
  { path: 'submit', label: 'Submit PIREP', show: (u) => u.role !== 'viewer' },
  { path: 'tenants', label: 'Tenants', show: (u) => u.role === 'platform_admin' },
  { path: 'users', label: 'Users', show: (u) => u.role === 'platform_admin' || u.role === 'tenant_admin' },
  { path: 'audit', label: 'Audit', show: (u) => u.role === 'platform_admin' || u.role === 'tenant_admin' },
  { path: 'keys', label: 'API keys', show: () => true },
  { path: 'account', label: 'Account', show: () => true },
];

const PAGES = new Set(NAV.map((n) => n.path));

function Shell({ me, route, loading, error }: { me?: User; route: Route; loading: boolean; error: Error | null }) {
  const page = PAGES.has(route.path[0]) ? route.path[0] : 'pireps';
  const [bootKey, setBootKey] = useState(takeOneTimeSecret);
  const suspended = useSyncExternalStore(subscribeSuspended, isSuspended);
  const qc = useQueryClient();
  return (
    <div className="app">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header>
        <a className="brand" href="#/pireps" aria-label="SkyLedger home">
          SkyLedger
        </a>
        <nav aria-label="Main">
          <ul>
            {me &&
              NAV.filter((n) => n.show(me)).map((n) => (
                <li key={n.path}>
                  <a href={`#/${n.path}`} aria-current={page === n.path ? 'page' : undefined} data-testid={`nav-${n.path}`}>
                    {n.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <ConnectionBadge />
          {me && (
            <span data-testid="whoami" title={me.email} className="whoami">
              {me.display_name} <span className="small">({me.role})</span>
            </span>
          )}
          <button type="button" onClick={() => void logout()} data-testid="logout">
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} className={page === 'pireps' ? 'wide' : undefined}>
        {bootKey && (
          <div className="secret" role="status" data-testid="bootstrap-key-box">
            <p>
              <strong>The platform is created.</strong> Its API key for scripts is shown once; copy it now (this browser uses a 12-hour session instead).
            </p>
            <div className="row">
              <label htmlFor="boot-key" className="sr-only">
                Bootstrap API key
              </label>
              <input id="boot-key" readOnly value={bootKey} className="mono" onFocus={(x) => x.target.select()} />
              <button type="button" onClick={() => setBootKey(null)}>
                Done
              </button>
            </div>
          </div>
        )}
        {suspended ? (
          <Suspended onRetry={() => void qc.invalidateQueries()} />
        ) : (
          <>
        {loading && <p>Loading…</p>}
        {error && !me && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        {me && <Page page={page} route={route} me={me} />}
          </>
        )}
      </main>
    </div>
  );
}

function Page({ page, route, me }: { page: string; route: Route; me: User }) {
  switch (page) {
    case 'submit':
      return <PirepSubmit me={me} />;
    case 'tenants':
      return <Tenants canCreate={me.role === 'platform_admin'} />;
    case 'users':
      return <Users me={me} tenantParam={route.path[1]} />;
    case 'keys':
      return <ApiKeys me={me} />;
    case 'account':
      return <Account me={me} />;
    case 'audit':
      // pilots and viewers have no trail (403): the nav hides it, a typed URL lands on the PIREPs
      if (me.role === 'platform_admin' || me.role === 'tenant_admin') return <Audit me={me} query={route.query} />;
      return <Pireps me={me} query={route.query} />;
    default:
      return <Pireps me={me} query={route.query} />;
  }
}

/**
 * Suspended replaces every screen while the API answers 403
 * tenant_suspended: one clear message instead of each screen's error. Try
 * again refetches; the first successful answer brings the console back.
 */
function Suspended({ onRetry }: { onRetry: () => void }) {
  return (
    <section className="suspended-box" aria-labelledby="susp-h" data-testid="tenant-suspended">
      <h1 id="susp-h">Your organisation&apos;s account is suspended</h1>
      <p>
        The platform operator has suspended your tenant: nothing can be viewed or changed until it is reactivated. Your data is kept. Contact
        the operator of this platform.
      </p>
      <div className="row">
        <button type="button" onClick={onRetry} data-testid="tenant-suspended-retry">
          Try again
        </button>
        <button type="button" className="secondary" onClick={() => void logout()}>
          Sign out
        </button>
      </div>
    </section>
  );
}

const STATE_LABEL: Record<string, string> = {
  idle: 'offline',
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  unauthorized: 'signed out',
  refused: 'offline (tenant suspended)',
  stopped: 'offline',
};

function ConnectionBadge() {
  const s = useWsState();
  const wait = s.state === 'reconnecting' && s.retryAt ? Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000)) : null;
  return (
    <span className={'conn ' + s.state} role="status" aria-live="polite" data-testid="ws-state" data-state={s.state}>
      <span aria-hidden="true" className="dot" /> {STATE_LABEL[s.state]}
      {wait ? ` (retry in ${wait}s)` : ''}
      {s.pausedUntil ? ' (rate limited)' : ''}
    </span>
  );
}
