import { useState, type FormEvent } from 'react';
import { useCreateUser, usePatchUser, useTenants, useUsers } from '../api/hooks';
import { ROLES, type Role, type User } from '../api/types';
import { Field, FormError, SelectField } from '../components/Field';
import { TenantSelect } from '../components/TenantSelect';
import { splitServerError } from '../forms/serverErrors';
import { useWsChannels } from '../ws/WsProvider';
import { HistoryTab } from '../components/History';
import { QueryState } from '../components/Table';
import { EraseUser } from './EraseUser';
import { hasErrors, validateUserCreate, type Errors, type UserCreateInput } from '../forms/validation';

const EMPTY: UserCreateInput = { email: '', password: '', display_name: '', role: 'pilot' };

export function Users({ me, tenantParam }: { me: User; tenantParam?: string }) {
  const isPlatform = me.role === 'platform_admin';
  const tenants = useTenants(isPlatform);
  const tenantId = isPlatform ? tenantParam || me.tenant_id : me.tenant_id;
  const users = useUsers(tenantId, tenantId === me.tenant_id);
  // the server subscribes our own tenant on connect; another tenant's user events need a subscription
  useWsChannels(isPlatform && tenantId && tenantId !== me.tenant_id ? [`tenant:${tenantId}:updates`] : []);
  const grantable = ROLES.filter((r) => isPlatform || r !== 'platform_admin');

  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h">Users</h1>
      {isPlatform && (
        <TenantSelect value={tenantId} tenants={tenants.data?.items} onChange={(id) => (location.hash = `#/users/${id}`)} testid="users-tenant" keepUnknown />
      )}
      <CreateUser key={tenantId} tenantId={tenantId} actorRole={me.role} roles={grantable} />
      <QueryState q={users} />
      <ul className="cards" data-testid="user-list">
        {users.data?.items.map((u) => (
          <UserRow key={u.id} user={u} roles={grantable} self={u.id === me.id} />
        ))}
      </ul>
    </section>
  );
}

function CreateUser({ tenantId, actorRole, roles }: { tenantId: string; actorRole: Role; roles: Role[] }) {
  const [v, setV] = useState<UserCreateInput>(EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const create = useCreateUser(tenantId);
  const server = splitServerError(create.error, ['email', 'password', 'display_name', 'role']);
  const e = { ...server.fieldErrors, ...errors };
  const set = (k: keyof UserCreateInput) => (x: { target: { value: string } }) => setV({ ...v, [k]: x.target.value });

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const err = validateUserCreate(v, actorRole);
    setErrors(err);
    if (!hasErrors(err)) create.mutate({ ...v, role: v.role as Role }, { onSuccess: () => setV(EMPTY) });
  }

  return (
    <form onSubmit={submit} noValidate data-testid="user-form" aria-label="Create user" className="grid">
      <Field label="E-mail" type="email" autoComplete="off" value={v.email} onChange={set('email')} error={e.email} testid="user-email" />
      <Field label="Display name" value={v.display_name} onChange={set('display_name')} error={e.display_name} testid="user-name" />
      <Field label="Initial password" type="password" autoComplete="new-password" value={v.password} onChange={set('password')} error={e.password} testid="user-password" />
      <SelectField label="Role" value={v.role} onChange={set('role')} error={e.role} testid="user-role">
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </SelectField>
      <FormError message={server.formError} />
      <button type="submit" disabled={create.isPending} data-testid="user-submit">
        Create user
      </button>
    </form>
  );
}

function UserRow({ user, roles, self }: { user: User; roles: Role[]; self: boolean }) {
  const patch = usePatchUser();
  const [role, setRole] = useState<Role | ''>('');
  const [done, setDone] = useState('');
  const act = (v: { role?: Role; status?: 'active' | 'deactivated' }, msg: string) => {
    setDone('');
    patch.mutate(
      { user, ...v },
      {
        onSuccess: () => {
          setRole('');
          setDone(msg);
        },
      },
    );
  };
  const shown = role || user.role;
  const active = user.status === 'active';
  return (
    <li className={'card' + (active ? '' : ' muted')} data-testid="user-row" data-email={user.email} data-user-id={user.id}>
      <div>
        <strong>{user.display_name}</strong> <span className="mono">{user.email}</span>{' '}
        <span className={'badge ' + user.status} data-testid="user-status">
          {user.status}
        </span>
      </div>
      <div className="row">
        <label>
          Role{' '}
          <select value={shown} onChange={(e) => setRole(e.target.value as Role)} disabled={!active || self} data-testid="user-role-select">
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={!active || self || !role || role === user.role || patch.isPending}
          onClick={() => act({ role: role as Role }, `Role changed to ${role}.`)}
          data-testid="user-role-save"
        >
          Change role
        </button>
        {active ? (
          <button type="button" className="danger" disabled={self || patch.isPending} onClick={() => {
              if (confirm(`Deactivate ${user.display_name}? They are signed out at once and cannot sign in until reactivated.`)) act({ status: 'deactivated' }, `${user.display_name} deactivated.`);
            }}
            data-testid="user-deactivate"
          >
            Deactivate
          </button>
        ) : user.status === 'deactivated' ? (
          <button type="button" disabled={patch.isPending} onClick={() => act({ status: 'active' }, `${user.display_name} reactivated.`)} data-testid="user-reactivate">
            Reactivate
          </button>
        ) : null}
        <EraseUser user={user} self={self} />
      </div>
      {done && !patch.error && (
        <p role="status" className="ok" data-testid="user-ok">
          {done}
        </p>
      )}
      {patch.error && <FormError message={(patch.error as Error).message} />}
      <HistoryTab tenantId={user.tenant_id} streamId={`user-${user.id}`} label={user.display_name} testid="user-history" />
    </li>
  );
}
