'use client';
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useEffect, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { RefreshIcon, TerminalIcon } from '@/components/ui/icons';
import { vmQueries } from '@/lib/queries/vm-queries';
import { ConsoleLog, CONSOLE_LOG_LINES } from './console-log';
import { badgeFor, CONNECTING, CONSOLE_VM_STATES, type ConsoleView } from './console-state';

// xterm.js touches the DOM when loaded: browser only.
const ConsoleTerminal = dynamic(() => import('./console-terminal'), {
  ssr: false,
  loading: () => (
    <div className="h-0 min-h-72 flex-1 rounded-b-lg bg-slate-950 px-4 py-3 font-mono text-xs text-slate-400">
      Loading the console…
    </div>
  ),
});

const MODE_NOTES = {
  'read-only': 'Read-only: viewers can watch but not type',
  interactive: 'Click inside and type; Enter sends the line',
  connecting: 'Connecting to the serial port…',
};

/** The VM's serial console: interactive (operators) or watch-only (viewers) while QEMU runs; its log otherwise. */
export function VmConsole({ vmId }: { vmId: string }) {
  const { data: vm } = useQuery(vmQueries.detail(vmId));
  const [view, setView] = useState<ConsoleView>(CONNECTING);
  const [attempt, setAttempt] = useState(0); // a new key: the terminal connects afresh
  const vmLive = !!vm && CONSOLE_VM_STATES.includes(vm.state);
  const terminal = vmLive && view.phase !== 'unavailable';
  const badge = badgeFor(view, vmLive);
  const canReconnect =
    vmLive && (view.phase === 'disconnected' || view.phase === 'off' || view.phase === 'unavailable');
  const reconnect = () => (setView(CONNECTING), setAttempt((n) => n + 1));

  // The dashboard says the VM runs (or starts) but its agent said it does not: QEMU was not up yet
  // when the page connected (a VM just started shows 'starting' at once). Try again shortly; the
  // next heartbeat settles any real disagreement, which ends this.
  const agentSaidOff = vmLive && view.phase === 'off';
  useEffect(() => {
    if (!agentSaidOff) return;
    const t = setTimeout(reconnect, 2_000);
    return () => clearTimeout(t);
  }, [agentSaidOff, vm?.state]);

  const description = !vmLive
    ? `The VM is off: its last ${CONSOLE_LOG_LINES} log lines`
    : view.phase === 'unavailable'
      ? `Log only (${view.message ?? 'no interactive console on this host'}), refreshed every 3 s`
      : (view.message ?? MODE_NOTES[view.mode ?? 'connecting']);

  return (
    <Card
      className="flex flex-col"
      data-testid="console-card"
      data-phase={vmLive ? view.phase : 'off'}
      data-mode={view.mode ?? ''}
    >
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <TerminalIcon /> Serial console
          </span>
        }
        description={
          <span role="status" data-testid="console-status">
            {description}
          </span>
        }
        actions={
          <>
            <Badge tone={badge.tone} dot data-testid="console-badge">
              {badge.label}
            </Badge>
            {canReconnect && (
              <Button size="sm" icon={<RefreshIcon />} onClick={reconnect}>
                Reconnect
              </Button>
            )}
          </>
        }
      />
      {terminal ? (
        <ConsoleTerminal key={attempt} vmId={vmId} label={`Serial console of ${vm.name}`} onView={setView} />
      ) : (
        <ConsoleLog vmId={vmId} />
      )}
    </Card>
  );
}
