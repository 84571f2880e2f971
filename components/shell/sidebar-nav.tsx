'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import {
  AuditIcon,
  BackupIcon,
  BalanceIcon,
  CheckpointIcon,
  DrIcon,
  HaIcon,
  HostIcon,
  ImageIcon,
  MigrateIcon,
  OverviewIcon,
  RestorePointIcon,
  TaskIcon,
  UsersIcon,
  VmIcon,
} from '@/components/ui/icons';
import { cx } from '@/lib/cx';

const NAV: { href: string; label: string; icon: ReactNode }[] = [
  { href: '/', label: 'Overview', icon: <OverviewIcon /> },
  { href: '/hosts', label: 'Hosts', icon: <HostIcon /> },
  { href: '/vms', label: 'Virtual machines', icon: <VmIcon /> },
  { href: '/images', label: 'Images', icon: <ImageIcon /> },
  { href: '/backups', label: 'Backups', icon: <BackupIcon /> },
  { href: '/restore-points', label: 'Restore points', icon: <RestorePointIcon /> },
  { href: '/checkpoints', label: 'Checkpoints', icon: <CheckpointIcon /> },
  { href: '/migrations', label: 'Migrations', icon: <MigrateIcon /> },
  { href: '/balancer', label: 'Load balancer', icon: <BalanceIcon /> },
  { href: '/ha', label: 'HA', icon: <HaIcon /> },
  { href: '/dr', label: 'Disaster recovery', icon: <DrIcon /> },
  { href: '/tasks', label: 'Tasks', icon: <TaskIcon /> },
  { href: '/audit', label: 'Audit log', icon: <AuditIcon /> },
  { href: '/users', label: 'Users', icon: <UsersIcon /> },
];

export function SidebarNav() {
  const pathname = usePathname();
  const isActive = (href: string) =>
    href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
  return (
    <nav aria-label="Main" className="flex-1 space-y-0.5 px-2 py-3">
      {NAV.map((item) => {
        const active = isActive(item.href);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? 'page' : undefined}
            className={cx(
              'relative flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors',
              active ? 'bg-slate-800 text-white' : 'text-slate-400 hover:bg-slate-800/60 hover:text-slate-100',
            )}
          >
            {active && (
              <span
                aria-hidden="true"
                className="absolute top-1.5 bottom-1.5 left-0 w-0.5 rounded-full bg-accent-400"
              />
            )}
            <span className={active ? 'text-accent-300' : 'text-slate-500'}>{item.icon}</span>
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
