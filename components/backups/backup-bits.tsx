'use client';
import { StateBadge, type Tone } from '@/components/ui/badge';
import type { BackupRunDto, BackupRunState, ProtectionStatus, RepositoryStatus } from '@/lib/domain/backups/dto';

const RUN: Record<BackupRunState, { tone: Tone; label: string }> = {
  running: { tone: 'blue', label: 'Running' },
  succeeded: { tone: 'green', label: 'Success' },
  partial: { tone: 'amber', label: 'Partial' },
  failed: { tone: 'red', label: 'Failed' },
};
export function RunStateBadge({ state, title }: { state: BackupRunState; title?: string }) {
  return (
    <StateBadge state={state} tone={RUN[state].tone} label={RUN[state].label} title={title} data-testid="run-state" />
  );
}

const PROTECTION: Record<ProtectionStatus, { tone: Tone; label: string }> = {
  protected: { tone: 'green', label: 'Protected' },
  late: { tone: 'amber', label: 'Late' },
  failed: { tone: 'red', label: 'Failed' },
  unprotected: { tone: 'gray', label: 'Unprotected' },
};
export function ProtectionBadge({ status, title }: { status: ProtectionStatus; title?: string }) {
  return (
    <StateBadge
      state={status}
      tone={PROTECTION[status].tone}
      label={PROTECTION[status].label}
      title={title}
      data-testid="protection-status"
    />
  );
}

const REPO: Record<RepositoryStatus, { tone: Tone; label: string }> = {
  ok: { tone: 'green', label: 'OK' },
  full: { tone: 'red', label: 'Full' },
  unavailable: { tone: 'red', label: 'Unavailable' },
  unknown: { tone: 'gray', label: 'Not checked' },
};
export function RepositoryStatusBadge({ status, title }: { status: RepositoryStatus; title?: string }) {
  return <StateBadge state={status} tone={REPO[status].tone} label={REPO[status].label} title={title} />;
}

/** Why a run failed or was partial, in words: the run's error, else the first failed VM's. */
export function runReason(run: BackupRunDto): string | null {
  if (run.error) return run.error;
  const failed = run.results.find((r) => r.state === 'failed');
  return failed ? `${failed.vmName}: ${failed.error ?? 'failed'}` : null;
}
