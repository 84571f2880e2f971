import Link from 'next/link';
import { Badge, StateBadge, type Tone } from '@/components/ui/badge';
import type { HaAdmissionMode, HaEventKind, HaHostState, HaPriority, HaRestartState } from '@/lib/domain/ha/dto';

const HOST_STATE_TEXT: Record<HaHostState, { label: string; tone: Tone; meaning: string }> = {
  online: { label: 'Online', tone: 'green', meaning: 'Heartbeats and lease renewals on time.' },
  suspect: { label: 'Suspect', tone: 'amber', meaning: 'Heartbeats or lease renewals missed; not failed yet.' },
  isolated: {
    label: 'Isolated',
    tone: 'amber',
    meaning: 'The dashboard cannot reach it, but its lease is fresh: it is alive, its VMs are not restarted.',
  },
  fenced: { label: 'Fenced', tone: 'red', meaning: 'It lost its lease and killed its shared-storage VMs itself.' },
  failed: { label: 'Failed', tone: 'red', meaning: 'Its lease expired: its VMs may run elsewhere.' },
  degraded: {
    label: 'Degraded',
    tone: 'amber',
    meaning: 'Corrected memory errors over the threshold: being evacuated.',
  },
};

export function HaHostStateBadge({ state }: { state: HaHostState }) {
  const t = HOST_STATE_TEXT[state];
  return <StateBadge state={state} tone={t.tone} label={t.label} title={t.meaning} data-testid="ha-host-state" />;
}

export const EVENT_TEXT: Record<HaEventKind, { label: string; tone: Tone }> = {
  'heartbeat-missed': { label: 'Heartbeat missed', tone: 'amber' },
  'host-suspect': { label: 'Host suspect', tone: 'amber' },
  'host-isolated': { label: 'Host isolated', tone: 'amber' },
  'lease-expired': { label: 'Lease expired', tone: 'red' },
  'host-fenced': { label: 'Host fenced itself', tone: 'red' },
  'host-recovered': { label: 'Host recovered', tone: 'green' },
  'host-degraded': { label: 'Memory errors', tone: 'amber' },
  'restart-pending': { label: 'Restart pending', tone: 'amber' },
  'restart-started': { label: 'Restart started', tone: 'blue' },
  'restart-done': { label: 'Restarted', tone: 'green' },
  'restart-failed': { label: 'Restart failed', tone: 'red' },
  'restart-cancelled': { label: 'Restart cancelled', tone: 'gray' },
  'policy-changed': { label: 'Policy changed', tone: 'gray' },
};

const RESTART_TEXT: Record<HaRestartState, { label: string; tone: Tone }> = {
  pending: { label: 'Pending', tone: 'amber' },
  restarting: { label: 'Restarting', tone: 'blue' },
  running: { label: 'Running', tone: 'green' },
  failed: { label: 'Failed', tone: 'red' },
  cancelled: { label: 'Cancelled', tone: 'gray' },
};

export function RestartStateBadge({ state }: { state: HaRestartState }) {
  return (
    <StateBadge
      state={state}
      tone={RESTART_TEXT[state].tone}
      label={RESTART_TEXT[state].label}
      data-testid="restart-state"
    />
  );
}

export const PRIORITY_LABELS: Record<HaPriority, string> = { high: 'High', medium: 'Medium', low: 'Low' };

export const ADMISSION_TEXT: Record<HaAdmissionMode, { label: string; description: string }> = {
  off: {
    label: 'No admission control',
    description: 'VMs start wherever they fit; after a failure some may find no room.',
  },
  tolerate: {
    label: 'Tolerate host failures',
    description:
      'Refuse starts and moves that would leave too little spare memory to restart the protected VMs of the N biggest hosts.',
  },
  'failover-hosts': {
    label: 'Dedicated failover hosts',
    description: 'The chosen hosts stay empty; restarts go there first.',
  },
};

export function PriorityBadge({ priority }: { priority: HaPriority }) {
  return <Badge tone={priority === 'high' ? 'accent' : 'gray'}>{PRIORITY_LABELS[priority]}</Badge>;
}

function ObjectLink({ base, id, name }: { base: '/hosts' | '/vms'; id: string | null; name: string | null }) {
  if (!id) return <span className="text-slate-500">—</span>;
  return (
    <Link href={`${base}/${id}`} className="font-medium text-slate-800 hover:text-accent-700 hover:underline">
      {name ?? id}
    </Link>
  );
}

export const HostLink = ({ id, name }: { id: string | null; name: string | null }) => (
  <ObjectLink base="/hosts" id={id} name={name} />
);
export const VmLink = ({ id, name }: { id: string | null; name: string | null }) => (
  <ObjectLink base="/vms" id={id} name={name} />
);

/** Seconds with one decimal: lease ages and restart steps are read at this grain. */
export function formatSeconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`;
}
