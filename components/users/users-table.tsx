'use client';
import { useQuery } from '@tanstack/react-query';
import { useCurrentUser, usePermission } from '@/components/auth/current-user';
import { Badge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { UserDto } from '@/lib/domain/users/dto';
import { formatDateTime } from '@/lib/format';
import { userQueries } from '@/lib/queries/user-queries';
import { UserActions } from './user-actions';

const ROLE_TONE = { admin: 'accent', operator: 'blue', viewer: 'gray' } as const;

/** Everyone sees the list; only admins get the actions column. */
export function UsersTable() {
  const query = useQuery(userQueries.list());
  const me = useCurrentUser();
  const manage = usePermission('user.manage');
  const columns: Column<UserDto>[] = [
    {
      id: 'username',
      header: 'Username',
      className: 'whitespace-nowrap',
      sortValue: (u) => u.username,
      cell: (u) => (
        <span className="font-medium text-slate-900">
          {u.username}
          {u.id === me?.id && <span className="ml-1.5 text-xs text-slate-500">(you)</span>}
        </span>
      ),
    },
    { id: 'name', header: 'Name', sortValue: (u) => u.name, cell: (u) => u.name },
    {
      id: 'role',
      header: 'Role',
      sortValue: (u) => u.role,
      cell: (u) => <Badge tone={ROLE_TONE[u.role]}>{u.role}</Badge>,
    },
    {
      id: 'status',
      header: 'Status',
      sortValue: (u) => (u.disabled ? 1 : 0),
      cell: (u) =>
        u.disabled ? (
          <Badge tone="red" dot title={u.disabledAt ? `since ${formatDateTime(u.disabledAt)}` : undefined}>
            disabled
          </Badge>
        ) : (
          <Badge tone="green" dot>
            active
          </Badge>
        ),
    },
    {
      id: 'created',
      header: 'Created',
      className: 'whitespace-nowrap',
      sortValue: (u) => Date.parse(u.createdAt),
      cell: (u) => <span className="tabular-nums">{formatDateTime(u.createdAt)}</span>,
    },
    ...(manage.allowed
      ? [
          {
            id: 'actions',
            header: <span className="sr-only">Actions</span>,
            align: 'right' as const,
            cell: (u: UserDto) => <UserActions user={u} isSelf={u.id === me?.id} />,
          },
        ]
      : []),
  ];
  return (
    <QueryState query={query} what="users" skeleton={<SkeletonRows rows={3} />}>
      {(users) => (
        <DataTable
          label="Users"
          rows={users}
          columns={columns}
          rowKey={(u) => u.id}
          searchText={(u) => `${u.username} ${u.name} ${u.role}`}
          initialSort={{ id: 'username', desc: false }}
          empty={<p className="p-4 text-sm text-slate-500">No users.</p>}
        />
      )}
    </QueryState>
  );
}
