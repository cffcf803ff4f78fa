import { useEraseUser } from '../api/hooks';
import type { User } from '../api/types';
import { FormError } from '../components/Field';

/**
 * EraseUser is the Erase action of a deactivated user's card: after a
 * confirmation it deletes the user's personal data (crypto-shredding).
 * It renders nothing for an active or an erased user: erasure comes after
 * deactivation, and only once.
 */
export function EraseUser({ user, self }: { user: User; self: boolean }) {
  const erase = useEraseUser();
  if (user.status !== 'deactivated' || self) return null;
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={erase.isPending}
        onClick={() => {
          if (
            confirm(
              `Erase the personal data of ${user.display_name}? Their e-mail and name are deleted for good and show as "[erased]" everywhere, the audit trail included. This cannot be undone.`,
            )
          )
            erase.mutate(user);
        }}
        data-testid="user-erase"
      >
        Erase
      </button>
      {erase.error && <FormError message={(erase.error as Error).message} />}
    </>
  );
}
