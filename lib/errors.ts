// Coded errors shared by the dashboard, the worker and the agent. Each factory builds an AppError
// with a stable code; `.is(err)` recognises it. One mapper (lib/http/route-handler) turns codes
// into HTTP statuses and the body { error: { code, message, data } }.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, data: this.data } };
  }
}

type Factory<A extends unknown[]> = ((...args: A) => AppError) & { code: string; is(err: unknown): err is AppError };

function define<A extends unknown[]>(
  code: string,
  status: number,
  build: (...args: A) => [string, Record<string, unknown>?],
): Factory<A> {
  const f = ((...args: A) => {
    const [message, data] = build(...args);
    return new AppError(code, message, status, data);
  }) as Factory<A>;
  f.code = code;
  f.is = (err: unknown): err is AppError => err instanceof AppError && err.code === code;
  return f;
}

export type FieldErrors = Record<string, string[]>;

export const invalidInput = define(
  'INVALID_INPUT',
  422,
  (fields: FieldErrors, message: string = 'Some fields are invalid') => [message, { fields }],
);
export const unauthenticated = define('UNAUTHENTICATED', 401, (message: string = 'Sign in first') => [message]);
export const forbidden = define('FORBIDDEN', 403, (action: string, role?: string) => [
  `Your role${role ? ` (${role})` : ''} may not ${action}`,
  { action, role },
]);
export const noSuchObject = define('NO_SUCH_OBJECT', 404, (type: string, id: string) => [
  `No ${type} "${id}"`,
  { type, id },
]);
export const alreadyExists = define('ALREADY_EXISTS', 409, (type: string, name: string) => [
  `A ${type} named "${name}" already exists`,
  { type, name },
]);
export const vmBadPowerState = define('VM_BAD_POWER_STATE', 409, (vm: string, expected: string[], actual: string) => [
  `VM ${vm} is ${actual}; this needs it ${expected.join(' or ')}`,
  { vm, expected, actual },
]);
export const insufficientCapacity = define(
  'INSUFFICIENT_CAPACITY',
  409,
  (host: string, neededMiB: number, freeMiB: number) => [
    `Host ${host} has ${freeMiB} MiB free memory; the VM needs ${neededMiB} MiB`,
    { host, neededMiB, freeMiB },
  ],
);
export const noHostAvailable = define('NO_HOST_AVAILABLE', 409, (neededMiB: number, reason: string) => [
  `No online host can take a VM needing ${neededMiB} MiB: ${reason}`,
  { neededMiB, reason },
]);
// A placement the balancer's hard rules forbid (VM-host "must" affinity, VM-VM anti-affinity).
export const ruleViolation = define(
  'RULE_VIOLATION',
  409,
  (vm: string, host: string, rule: { id: string; name: string }, why: string) => [
    `VM ${vm} on ${host} would break placement rule "${rule.name}": ${why}`,
    { vm, host, ruleId: rule.id, ruleName: rule.name, why },
  ],
);
export const conflict = define('CONFLICT', 409, (message: string, data?: Record<string, unknown>) => [message, data]);
export const hostOffline = define('HOST_OFFLINE', 503, (host: string, since?: string) => [
  `Host ${host} is offline${since ? ` (last heartbeat ${since})` : ''}`,
  { host, since },
]);
export const agentUnreachable = define('AGENT_UNREACHABLE', 503, (host: string, cause: string) => [
  `The agent on ${host} cannot be reached: ${cause}`,
  { host, cause },
]);
// An error QEMU or qemu-img reported, passed on in its own words.
export const qemuError = define('QEMU_ERROR', 500, (what: string, detail: string) => [
  `${what}: ${detail}`,
  { what, detail, source: 'qemu' },
]);
export const storageFull = define('STORAGE_FULL', 507, (pool: string, neededBytes: number, freeBytes: number) => [
  `Storage pool ${pool} has ${freeBytes} bytes free; ${neededBytes} are needed`,
  { pool, neededBytes, freeBytes },
]);
// A backup repository directory that is missing, not writable, or whose host cannot be reached.
export const repositoryUnavailable = define('REPOSITORY_UNAVAILABLE', 503, (repository: string, reason: string) => [
  `Backup repository ${repository} is unavailable: ${reason}`,
  { repository, reason },
]);
// HA (docs/ARCHITECTURE.md, "High availability"): another host's VM may be restarted only once
// that host's storage lease has expired (seen unchanged for the whole timeout).
export const leaseHeld = define(
  'LEASE_HELD',
  409,
  (host: string, reason: string, numbers: { unchangedForMs?: number | null; timeoutMs?: number } = {}) => [
    `The lease of host ${host} is still held: ${reason}`,
    { host, reason, ...numbers },
  ],
);
// This host may not run shared-pool VMs now: its own lease is not valid (fenced, or not renewed
// yet) or its fence watchdog is not running. Retry once the lease is valid again.
export const haUnavailable = define('HA_UNAVAILABLE', 503, (host: string, reason: string) => [
  `Host ${host} cannot run shared-pool VMs now: ${reason}`,
  { host, reason },
]);
export const timeout = define('TIMEOUT', 504, (what: string, seconds: number) => [
  `${what} did not finish within ${seconds} s`,
  { what, seconds },
]);
// An HTTP message the server could not parse (bad header, bad length, headers too large) or did
// not receive in time; the connection is closed after the answer.
export const badRequest = define('BAD_REQUEST', 400, (reason: string) => [
  `Malformed or incomplete HTTP request: ${reason}`,
  { reason },
]);
// The caller closed the connection before its request was handled (nginx's 499): the work was
// dropped; nobody reads the answer.
export const clientGone = define('CLIENT_GONE', 499, () => ['The caller closed the request before it was handled']);
// A request body over the receiver's limit (declared by Content-Length or counted while read).
export const payloadTooLarge = define('PAYLOAD_TOO_LARGE', 413, (limitBytes: number, sizeBytes?: number) => [
  `The request body is larger than ${limitBytes} bytes${sizeBytes === undefined ? '' : ` (${sizeBytes} declared)`}`,
  { limitBytes, sizeBytes },
]);
export const notSupported = define('NOT_SUPPORTED', 501, (what: string, why: string) => [
  `${what} is not supported: ${why}`,
  { what, why },
]);
// An operation stopped on request (e.g. a cancelled live migration); whatever it touched is left as before.
export const cancelled = define('CANCELLED', 409, (what: string) => [`${what} was cancelled`, { what }]);
// A restore from a point whose last verification failed, not explicitly accepted by the caller.
export const failedVerification = define(
  'FAILED_VERIFICATION',
  409,
  (pointId: string, verifyState: string, detail: string | null) => [
    `This restore point failed its last ${verifyState === 'boot-failed' ? 'boot check' : 'verification'}${detail ? ` (${detail})` : ''}; restore from it only by accepting that (acceptFailedVerification)`,
    { pointId, verifyState },
  ],
);
// The key that encrypts the dashboard's agent secrets (a file outside the database) is missing,
// unreadable or not the one the stored secrets were sealed with.
export const secretKeyUnavailable = define('SECRET_KEY_UNAVAILABLE', 503, (keyFile: string, reason: string) => [
  `The agent-secret key ${keyFile} cannot be used: ${reason}`,
  { keyFile, reason },
]);
export const checksumMismatch = define('CHECKSUM_MISMATCH', 422, (expected: string, actual: string) => [
  `SHA-256 mismatch: expected ${expected}, got ${actual}`,
  { expected, actual },
]);
// A per-user rate limit on an expensive read (lib/http/rate-limit.ts); the mapper adds Retry-After.
export const rateLimited = define('RATE_LIMITED', 429, (what: string, retryAfterSeconds: number) => [
  `Too many ${what} requests; try again in ${retryAfterSeconds} s`,
  { what, retryAfterSeconds },
]);
// A task row the worker cannot run (lib/domain/tasks/kinds.ts): a kind it has no schema for, or a
// payload its kind's schema refuses (a bug, or a row written by another version). The task fails.
export const taskKindUnknown = define('TASK_KIND_UNKNOWN', 500, (kind: string) => [
  `No task kind "${kind.slice(0, 100)}"`,
  { kind: kind.slice(0, 100) },
]);
export const taskPayloadInvalid = define('TASK_PAYLOAD_INVALID', 500, (kind: string, issues: string[]) => [
  `The payload of this ${kind} task does not match its schema: ${issues.join('; ')}`,
  { kind, issues },
]);

// HA admission control (lib/domain/ha/admission.ts): the action would leave too little spare
// memory to restart the protected VMs of the host failures the policy tolerates.
export const haAdmission = define(
  'HA_ADMISSION',
  409,
  (what: string, requiredMiB: number, spareMiB: number, tolerate: number) => [
    `${what} is refused by HA admission control: restarting the protected VMs of ${tolerate} failed host(s) needs ${requiredMiB} MiB, only ${spareMiB} MiB would be spare`,
    { requiredMiB, spareMiB, tolerate },
  ],
);

// A path or URL outside the agent's configured import locations. Deliberately the same answer for
// every refused source (missing, unreadable, a symlink out, an internal port): it names what IS
// allowed and nothing about what lies outside.
export const importLocationNotAllowed = define(
  'IMPORT_LOCATION_NOT_ALLOWED',
  422,
  (field: string, allowed: { dirs: string[]; urlPrefixes: string[] }) => {
    const message = `Not an allowed import location on this host. Allowed directories: ${allowed.dirs.join(', ') || 'none'}; allowed URL prefixes: ${allowed.urlPrefixes.join(', ') || 'none'}`;
    return [message, { fields: Object.assign(Object.create(null) as FieldErrors, { [field]: [message] }), allowed }];
  },
);

// A snapshot/checkpoint the VM cannot take or undergo now, with the reason derived from its real
// configuration (capabilities: disk format, pool, power state, QEMU's own migration blockers).
export const pointUnsupported = define('POINT_UNSUPPORTED', 409, (vmId: string, kind: string, reason: string) => [
  `VM ${vmId} cannot ${kind}: ${reason}`,
  { vmId, kind, reason },
]);
// A point that others still need (linked clones on its layer, a branch point of the tree).
export const pointInUse = define(
  'POINT_IN_USE',
  409,
  (pointId: string, reason: string, data: Record<string, unknown> = {}) => [
    `Snapshot ${pointId} is in use: ${reason}`,
    { pointId, reason, ...data },
  ],
);

// Rebuilds an AppError from an { error } body received over HTTP (agent -> worker -> task).
export function fromErrorBody(status: number, body: unknown): AppError | null {
  const e = (body as { error?: { code?: unknown; message?: unknown; data?: unknown } } | null)?.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') return null;
  return new AppError(e.code, e.message, status, (e.data ?? undefined) as Record<string, unknown> | undefined);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
