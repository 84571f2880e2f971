'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog } from '@/components/ui/dialog';
import { SelectField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import { ROLES, type Role } from '@/lib/domain/auth/dto';
import type { UserDto, UserWithPasswordDto } from '@/lib/domain/users/dto';
import { useDeleteUser, useResetPassword, useUpdateUser } from '@/lib/queries/user-mutations';
import { PasswordOnce } from './password-once';

type Open = 'role' | 'disable' | 'delete' | 'reset' | null;

/**
 * An admin's actions on one user. The server refuses (409, toasted) changes to your own account
 * and removing the last enabled admin; the buttons for your own account are disabled up front.
 */
export function UserActions({ user, isSelf }: { user: UserDto; isSelf: boolean }) {
  const [open, setOpen] = useState<Open>(null);
  const [role, setRole] = useState<Role>(user.role);
  const [reset, setReset] = useState<UserWithPasswordDto | null>(null);
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const resetPassword = useResetPassword();
  const { toast } = useToast();
  const close = () => setOpen(null);
  const self = isSelf ? 'You cannot change your own role, disable or delete yourself' : null;

  const saveRole = () =>
    update.mutate(
      { userId: user.id, role },
      {
        onSuccess: () => {
          toast({ tone: 'success', title: `${user.username} is now ${role}` });
          close();
        },
      },
    );
  const toggle = () =>
    update.mutate(
      { userId: user.id, disabled: !user.disabled },
      {
        onSuccess: () =>
          toast({ tone: 'success', title: `${user.username} ${user.disabled ? 'enabled' : 'disabled'}` }),
        onSettled: close,
      },
    );

  return (
    <div className="flex justify-end gap-1.5">
      <Button
        size="sm"
        onClick={() => {
          setRole(user.role);
          setOpen('role');
        }}
        disabled={Boolean(self)}
        disabledReason={self}
      >
        Role…
      </Button>
      <Button
        size="sm"
        onClick={() => (user.disabled ? toggle() : setOpen('disable'))}
        disabled={Boolean(self)}
        disabledReason={self}
        loading={update.isPending && open !== 'role'}
      >
        {user.disabled ? 'Enable' : 'Disable…'}
      </Button>
      <Button size="sm" onClick={() => setOpen('reset')}>
        Reset password…
      </Button>
      <Button
        size="sm"
        variant="danger"
        onClick={() => setOpen('delete')}
        disabled={Boolean(self)}
        disabledReason={self}
      >
        Delete…
      </Button>

      <Dialog
        open={open === 'role'}
        onClose={close}
        title={`Role of ${user.username}`}
        description="Takes effect on the user's next request; open sessions follow at once."
        footer={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="primary" loading={update.isPending} disabled={role === user.role} onClick={saveRole}>
              Save role
            </Button>
          </>
        }
      >
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
      </Dialog>
      <ConfirmDialog
        open={open === 'disable'}
        onCancel={close}
        onConfirm={toggle}
        pending={update.isPending}
        title={`Disable ${user.username}?`}
        confirmLabel="Disable user"
        description="They cannot sign in, and their open sessions stop working at once. You can enable the account again later."
      />
      <ConfirmDialog
        open={open === 'delete'}
        onCancel={close}
        typeToConfirm={user.username}
        pending={remove.isPending}
        title={`Delete ${user.username}?`}
        confirmLabel="Delete user"
        description="The account goes for good. The audit log keeps their name on what they did, and VMs they created stay."
        onConfirm={() =>
          remove.mutate(user.id, {
            onSuccess: () => toast({ tone: 'success', title: `${user.username} deleted` }),
            onSettled: close,
          })
        }
      />
      <ConfirmDialog
        open={open === 'reset' && !reset}
        onCancel={close}
        tone="primary"
        pending={resetPassword.isPending}
        title={`Reset the password of ${user.username}?`}
        confirmLabel="Generate new password"
        description="A new password is generated and shown once; the old one stops working and every open session of this user ends."
        onConfirm={() => resetPassword.mutate({ userId: user.id }, { onSuccess: setReset, onError: close })}
      />
      <Dialog
        open={reset !== null}
        onClose={() => {
          setReset(null);
          close();
        }}
        title="New password"
        footer={
          <Button
            variant="primary"
            onClick={() => {
              setReset(null);
              close();
            }}
          >
            Done
          </Button>
        }
      >
        {reset && <PasswordOnce result={reset} />}
      </Dialog>
    </div>
  );
}
