'use client';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { CopyButton } from '@/components/ui/copy-button';
import type { EnrollmentTokenDto } from '@/lib/domain/hosts/schemas';
import { hostQueries } from '@/lib/queries/host-queries';
import { POLL } from '@/lib/queries/poll';
import { enrollmentCommand, sharedMountOf } from './enrollment-command';

// Shown when no enrolled host reports its shared pool; the hint below the command says to replace it.
const SHARED_PLACEHOLDER = '/path/to/shared';

function CopyableCode({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="flex items-start gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2">
      <code data-testid={testId} className="min-w-0 flex-1 font-mono text-xs break-all text-slate-900">
        {value}
      </code>
      <CopyButton value={value} label={`Copy ${label}`} />
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-1.5">
      <h3 className="text-xs font-medium text-slate-700">{title}</h3>
      {children}
    </section>
  );
}

/** The one-time token and the agent command line for the new host: shown once, never again. */
export function EnrollmentInstructions({ enrollment }: { enrollment: EnrollmentTokenDto }) {
  // A shared pool's mount, from the hosts enrolled so far (any of the first hundred will do).
  const { data: hosts = [] } = useQuery(hostQueries.first(100));
  const shared = sharedMountOf(hosts);
  const { hostName, token, expiresInMinutes, reEnroll } = enrollment;
  // Rendered only in the dialog after a client-side mutation, so `window` is always there.
  const command = enrollmentCommand({
    hostName,
    token,
    sharedMount: shared?.mount ?? SHARED_PLACEHOLDER,
    dashboardUrl: window.location.origin,
  });
  return (
    <div className="space-y-4">
      <Section title="Enrollment token">
        <CopyableCode label="enrollment token" value={token} testId="enrollment-token" />
        <p className="text-xs text-slate-500">Valid for {expiresInMinutes} minutes, once. It is not shown again.</p>
      </Section>
      {reEnroll && (
        <p role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-800">
          {hostName} is already enrolled: starting an agent with this token gives it a new secret.
        </p>
      )}
      <Section title="Run on the new host">
        <CopyableCode label="agent command" value={command} testId="enrollment-command" />
        <p className="text-xs text-slate-500">
          {shared ? (
            <>
              <code className="font-mono">--shared</code> is where {shared.hostName} mounts the shared storage; change
              it if {hostName} mounts it elsewhere.
            </>
          ) : (
            <>
              Replace {SHARED_PLACEHOLDER} with the shared storage mount on {hostName}.
            </>
          )}
        </p>
      </Section>
      <p className="text-xs text-slate-500">
        {hostName} appears in the hosts list once its agent has enrolled (the list refreshes every {POLL.hosts / 1000}{' '}
        s).
      </p>
    </div>
  );
}
