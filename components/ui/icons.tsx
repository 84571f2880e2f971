// A handful of 16px outline icons; currentColor, aria-hidden (the text next to them names things).
import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement>;

function Icon({ children, ...props }: IconProps) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...props}
    >
      {children}
    </svg>
  );
}

export const OverviewIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="3" y="3" width="7" height="9" rx="1" />
    <rect x="14" y="3" width="7" height="5" rx="1" />
    <rect x="14" y="12" width="7" height="9" rx="1" />
    <rect x="3" y="16" width="7" height="5" rx="1" />
  </Icon>
);
export const HostIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="3" y="4" width="18" height="7" rx="1.5" />
    <rect x="3" y="13" width="18" height="7" rx="1.5" />
    <path d="M7 7.5h.01M7 16.5h.01" />
  </Icon>
);
export const VmIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="3" y="4" width="18" height="12" rx="1.5" />
    <path d="M8 20h8M12 16v4" />
  </Icon>
);
export const ImageIcon = (p: IconProps) => (
  <Icon {...p}>
    <ellipse cx="12" cy="6" rx="8" ry="3" />
    <path d="M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
  </Icon>
);
export const TaskIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M9 6h11M9 12h11M9 18h11" />
    <path d="M4 6l1 1 2-2M4 12l1 1 2-2M4 18l1 1 2-2" />
  </Icon>
);
export const AuditIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 3l8 3v6c0 4.5-3.4 8-8 9-4.6-1-8-4.5-8-9V6z" />
    <path d="M9 12l2 2 4-4" />
  </Icon>
);
export const UsersIcon = (p: IconProps) => (
  <Icon {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20c.6-3.6 3.2-5.5 6.5-5.5s5.9 1.9 6.5 5.5" />
    <path d="M16 4.8a3.5 3.5 0 0 1 0 6.4M18 14.8c2 .7 3.2 2.4 3.5 5.2" />
  </Icon>
);
export const PlusIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 5v14M5 12h14" />
  </Icon>
);
export const CopyIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="9" y="9" width="11" height="11" rx="1.5" />
    <path d="M5 15V5a1 1 0 011-1h10" />
  </Icon>
);
export const CheckIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M5 12l5 5 9-10" />
  </Icon>
);
export const AlertIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 3l10 18H2z" />
    <path d="M12 10v4M12 17.5h.01" />
  </Icon>
);
export const RefreshIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M20 11a8 8 0 10-2.3 5.7" />
    <path d="M20 4v7h-7" />
  </Icon>
);
export const LogoutIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M15 4h4a1 1 0 011 1v14a1 1 0 01-1 1h-4M10 17l5-5-5-5M15 12H3" />
  </Icon>
);
export const SearchIcon = (p: IconProps) => (
  <Icon {...p}>
    <circle cx="11" cy="11" r="7" />
    <path d="M20 20l-3.5-3.5" />
  </Icon>
);
export const SortIcon = ({ sortDir, ...p }: IconProps & { sortDir: 'asc' | 'desc' | false }) => (
  <Icon {...p} width="12" height="12">
    <path d="M8 10l4-4 4 4" opacity={sortDir === 'asc' ? 1 : 0.3} />
    <path d="M8 14l4 4 4-4" opacity={sortDir === 'desc' ? 1 : 0.3} />
  </Icon>
);
export const XIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M6 6l12 12M18 6L6 18" />
  </Icon>
);
export const TerminalIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="3" y="4" width="18" height="16" rx="1.5" />
    <path d="M7 9l3 3-3 3M13 15h4" />
  </Icon>
);
export const BackupIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M3 12a9 9 0 109-9 9.7 9.7 0 00-6.7 2.8L3 8" />
    <path d="M3 3v5h5M12 7v5l3 2" />
  </Icon>
);
// A disk image on a shelf: points kept in a backup repository.
export const RestorePointIcon = (p: IconProps) => (
  <Icon {...p}>
    <ellipse cx="12" cy="6" rx="7" ry="3" />
    <path d="M5 6v8c0 1.7 3.1 3 7 3s7-1.3 7-3V6" />
    <path d="M3 21h18" />
  </Icon>
);
// Stacked layers: snapshots are frozen disk layers.
export const CheckpointIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 3l9 5-9 5-9-5z" />
    <path d="M3 12.5l9 5 9-5" />
    <path d="M3 16.5l9 5 9-5" />
  </Icon>
);
export const MigrateIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="2" y="6" width="7" height="12" rx="1" />
    <rect x="15" y="6" width="7" height="12" rx="1" />
    <path d="M10.5 12h3M12 10l1.5 2-1.5 2" />
  </Icon>
);
export const BalanceIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 4v16M8 20h8M5 8h14" />
    <path d="M5 8l-3 6a3 3 0 006 0zM19 8l-3 6a3 3 0 006 0z" />
  </Icon>
);
export const HaIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M12 20s-7-4.4-7-10a4 4 0 017-2.6A4 4 0 0119 10c0 5.6-7 10-7 10z" />
    <path d="M5 12h3l1.5-2.5 2 5L13 12h6" />
  </Icon>
);
// Two sites, a copy travelling from one to the other: disaster recovery.
export const DrIcon = (p: IconProps) => (
  <Icon {...p}>
    <ellipse cx="6" cy="6" rx="4" ry="2" />
    <path d="M2 6v5c0 1.1 1.8 2 4 2s4-.9 4-2V6" />
    <ellipse cx="18" cy="13" rx="4" ry="2" />
    <path d="M14 13v5c0 1.1 1.8 2 4 2s4-.9 4-2v-5" />
    <path d="M11 17H7.5a2 2 0 01-2-2v0M13 5h3.5a2 2 0 012 2v3" />
  </Icon>
);
