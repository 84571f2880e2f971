// Typed client for the agent HTTP API (used by the worker). Every answer is validated with the
// protocol schemas; coded error bodies become AppErrors again (fromErrorBody) so a task shows
// the agent's own error code, and network failures become AGENT_UNREACHABLE.
import { z } from 'zod';
import { agentUnreachable, fromErrorBody } from '@/lib/errors';
import { waitForOperation } from './wait';
import {
  agentInfoSchema,
  consoleResponseSchema,
  imageManifestSchema,
  importLocationsSchema,
  operationSchema,
  vmRuntimeSchema,
  type CreateVmRequest,
  type ImportImageRequest,
  type ImportSources,
} from '@/lib/agent-protocol/core';

import { backupCalls } from './backup';
import { haCalls } from './ha';
import { migrationCalls } from './migration';
import { restoreCalls } from './restore';
import { replicationCalls } from './replication';
import { snapshotCalls } from './snapshots';

export type AgentClientOptions = { baseUrl: string; secret: string; hostName: string; timeoutMs?: number };

const noContent = z.undefined();

// One HTTP exchange, never a whole VM operation (those are polled). Overridable for tests that
// show an operation outliving it.
const httpTimeoutMs = () => Number(process.env.VMOPS_AGENT_HTTP_TIMEOUT_MS) || 30_000;
// How long the client polls a VM operation: the driver bounds each step (QEMU start, kill, the
// graceful stop's timeoutSec); this only catches an agent that never finishes one.
const VM_OPERATION_WAIT_MS = 10 * 60_000;

export function createAgentClient(opts: AgentClientOptions) {
  const timeoutMs = opts.timeoutMs ?? httpTimeoutMs();

  async function call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>> {
    const url = new URL(path, opts.baseUrl).toString();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${opts.secret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: Error };
      const cause = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message);
      throw agentUnreachable(opts.hostName, `${method} ${path}: ${cause}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      throw (
        fromErrorBody(res.status, json) ??
        agentUnreachable(opts.hostName, `${method} ${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`)
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // A body that does not match the protocol means an agent of another version: say so.
      throw agentUnreachable(
        opts.hostName,
        `${method} ${path} answered an unexpected body (agent version mismatch?): ${parsed.error.message.slice(0, 300)}`,
      );
    }
    return parsed.data;
  }

  const getOperation = (id: string) => call('GET', `/v1/operations/${encodeURIComponent(id)}`, operationSchema);
  // A long VM call: the agent answers 202 with an operation at once (its checks' 4xx straight
  // away), then the operation is polled; a failure is the agent's coded error, never a timeout
  // of the HTTP exchange. The result is validated like any answer.
  async function vmOperation<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    waitMs = VM_OPERATION_WAIT_MS,
  ): Promise<z.output<S>> {
    const started = await call(method, path, operationSchema, body);
    const done = await waitForOperation({ getOperation }, started.id, undefined, {
      intervalMs: 250,
      timeoutMs: waitMs,
    });
    const parsed = schema.safeParse(done.result);
    if (!parsed.success)
      throw agentUnreachable(
        opts.hostName,
        `${method} ${path}: operation result not as expected (agent version mismatch?): ${parsed.error.message.slice(0, 300)}`,
      );
    return parsed.data;
  }

  const vm = (id: string) => `/v1/vms/${encodeURIComponent(id)}`;
  return {
    hostName: opts.hostName,
    info: () => call('GET', '/v1/info', agentInfoSchema),
    listVms: () => call('GET', '/v1/vms', z.array(vmRuntimeSchema)),
    createVm: (req: CreateVmRequest) => vmOperation('POST', '/v1/vms', vmRuntimeSchema, req),
    getVm: (id: string) => call('GET', vm(id), vmRuntimeSchema),
    startVm: (id: string) => vmOperation('POST', `${vm(id)}/start`, vmRuntimeSchema),
    // A graceful stop is waited for its own timeoutSec (agent default 60 s) plus the kill path's margin.
    stopVm: (id: string, o: { force?: boolean; timeoutSec?: number } = {}) =>
      vmOperation('POST', `${vm(id)}/stop`, vmRuntimeSchema, o, ((o.timeoutSec ?? 60) + 120) * 1000),
    restartVm: (id: string) => vmOperation('POST', `${vm(id)}/restart`, vmRuntimeSchema),
    deleteVm: (id: string) => vmOperation('DELETE', vm(id), z.null()).then(() => undefined),
    console: (id: string, lines?: number) =>
      call('GET', `${vm(id)}/console${lines ? `?lines=${lines}` : ''}`, consoleResponseSchema),
    sendSerial: (id: string, line: string) => call('POST', `${vm(id)}/serial`, noContent, { line }),
    listImages: () => call('GET', '/v1/images', z.array(imageManifestSchema)),
    importImage: (req: ImportImageRequest) => call('POST', '/v1/images/import', operationSchema, req),
    importLocations: () => call('GET', '/v1/images/import-locations', importLocationsSchema),
    checkImageSources: (req: ImportSources) => call('POST', '/v1/images/check-sources', noContent, req),
    getOperation,
    ...backupCalls(call),
    ...restoreCalls(call),
    ...migrationCalls(call),
    ...haCalls(call),
    ...snapshotCalls(call),
    ...replicationCalls(call),
  };
}

// One validated agent call; feature modules (backup.ts, restore.ts, migration.ts) build on it.
export type AgentCall = <S extends z.ZodType>(
  method: string,
  path: string,
  schema: S,
  body?: unknown,
) => Promise<z.output<S>>;

export type AgentClient = ReturnType<typeof createAgentClient>;
export type { Operation } from '@/lib/agent-protocol/core';
export { waitForOperation } from './wait';
