// The VM's boot files, relayed by the worker from the source host to the replica's host (two
// sites share nothing): GET /v1/vms/:id/boot/:file on the source streamed straight into
// PUT /v1/replicas/:id/boot/:file on the target, never buffered whole. Bounded in size (the
// agent's limit) and in time.
import { agentUnreachable, fromErrorBody, payloadTooLarge } from '@/lib/errors';
import { BOOT_FILE_MAX_BYTES } from '@/lib/agent-protocol/replication';
import type { AgentClientOptions } from './index';

const RELAY_MS = 10 * 60_000;

export type BootFileName = 'kernel' | 'initrd';

const url = (a: AgentClientOptions, p: string) => new URL(p, a.baseUrl).toString();
const auth = (a: AgentClientOptions) => ({ authorization: `Bearer ${a.secret}` });

async function failure(a: AgentClientOptions, what: string, res: Response): Promise<Error> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return fromErrorBody(res.status, json) ?? agentUnreachable(a.hostName, `${what} answered HTTP ${res.status}`);
}

async function exchange(a: AgentClientOptions, what: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url(a, what.split(' ')[1]), init);
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const cause = e.name === 'TimeoutError' ? `no answer within ${RELAY_MS} ms` : (e.cause?.message ?? e.message);
    throw agentUnreachable(a.hostName, `${what}: ${cause}`);
  }
}

// The source's file as a stream with its size; refused before the body is read when too large.
export async function readSourceBootFile(
  source: AgentClientOptions,
  vmId: string,
  file: BootFileName,
  signal: AbortSignal,
): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
  const what = `GET /v1/vms/${encodeURIComponent(vmId)}/boot/${file}`;
  const res = await exchange(source, what, { headers: auth(source), signal });
  if (!res.ok) throw await failure(source, what, res);
  const size = Number(res.headers.get('content-length'));
  if (!res.body || !Number.isFinite(size)) throw agentUnreachable(source.hostName, `${what}: no sized body`);
  if (size > BOOT_FILE_MAX_BYTES) {
    await res.body.cancel();
    throw payloadTooLarge(BOOT_FILE_MAX_BYTES, size);
  }
  return { body: res.body, size };
}

export async function putReplicaBootFile(
  target: AgentClientOptions,
  replicaId: string,
  file: BootFileName,
  body: ReadableStream<Uint8Array> | Uint8Array,
  size: number,
  signal: AbortSignal,
): Promise<void> {
  const what = `PUT /v1/replicas/${encodeURIComponent(replicaId)}/boot/${file}`;
  const res = await exchange(target, what, {
    method: 'PUT',
    headers: { ...auth(target), 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body,
    signal,
    duplex: 'half', // a streamed request body (undici)
  } as RequestInit & { duplex: 'half' });
  if (!res.ok) throw await failure(target, what, res);
  await res.body?.cancel();
}

// Both files, one after the other; a VM without an initrd is refused by the source (404).
export async function relayBootFiles(
  source: AgentClientOptions,
  target: AgentClientOptions,
  vmId: string,
  replicaId: string,
): Promise<Record<BootFileName, number>> {
  const signal = AbortSignal.timeout(RELAY_MS);
  const sizes = { kernel: 0, initrd: 0 };
  for (const file of ['kernel', 'initrd'] as const) {
    const { body, size } = await readSourceBootFile(source, vmId, file, signal);
    await putReplicaBootFile(target, replicaId, file, body, size, signal);
    sizes[file] = size;
  }
  return sizes;
}
