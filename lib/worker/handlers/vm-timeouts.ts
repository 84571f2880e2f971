// How long the VM handlers wait, in one place. Overridable through the environment so tests can
// show a guest that never gets ready, or a stop the guest ignores, without the production minutes.
function seconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

// From Create (or a restore's start) to the guest's ready line; then the VM is running without it.
export const guestReadyTimeoutSec = () => seconds('VMOPS_GUEST_READY_TIMEOUT_SEC', 90);
// A graceful stop presses the power button until then; the agent then answers TIMEOUT.
export const gracefulStopSec = () => seconds('VMOPS_GRACEFUL_STOP_SEC', 60);
// A failover plan's boot-order gate: each VM of a group reports its guest ready by then.
export const planGuestReadySec = () => seconds('VMOPS_DR_PLAN_READY_SEC', 120);
