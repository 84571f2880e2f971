// Enrollment: a one-time token from the dashboard is traded for {hostId, agentToken,
// dashboardSecret}, kept in <data>/agent.json (0600) so later starts need no token. The dashboard
// may start after the agent, so unreachable/5xx answers are retried with backoff; a refused token
// fails at once.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { enrollResponseSchema, type AgentInfo } from '@/lib/agent-protocol/core';

export type Credentials = z.output<typeof enrollResponseSchema>;

// agent.json as saved (with `dashboard`, `enrolledAt`), or from before the two credentials: one
// `secret` both ways, which the dashboard's migration keeps valid as both.
const savedCredentialsSchema = z.union([
  enrollResponseSchema.loose(),
  z
    .object({ hostId: z.string(), secret: z.string().min(1) })
    .transform(({ hostId, secret }) => ({ hostId, agentToken: secret, dashboardSecret: secret })),
]);

export type EnrollOptions = {
  dataDir: string;
  dashboard: string;
  token?: string;
  name: string;
  agentUrl: string;
  info: () => Promise<AgentInfo>;
  log: (msg: string) => void;
  signal?: AbortSignal; // aborts the retry loop (agent shutting down)
  initialDelayMs?: number;
  maxDelayMs?: number;
};

export class EnrollmentError extends Error {}

export const credentialsFile = (dataDir: string) => path.join(dataDir, 'agent.json');

export async function loadCredentials(dataDir: string): Promise<Credentials | null> {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return null;
  let parsed;
  try {
    parsed = savedCredentialsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new EnrollmentError(`${file} is not valid JSON (${(err as Error).message}); remove it and enroll again`);
  }
  if (!parsed.success)
    throw new EnrollmentError(`${file} lacks hostId/agentToken/dashboardSecret; remove it and enroll again`);
  const { hostId, agentToken, dashboardSecret } = parsed.data;
  return { hostId, agentToken, dashboardSecret };
}

export async function saveCredentials(dataDir: string, creds: Credentials & { dashboard: string }): Promise<void> {
  const file = credentialsFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  // Written aside then renamed: a crash mid-write must not leave half the credentials behind.
  await writeFile(tmp, JSON.stringify({ ...creds, enrolledAt: new Date().toISOString() }, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

export async function loadOrEnroll(opts: EnrollOptions): Promise<Credentials> {
  const saved = await loadCredentials(opts.dataDir);
  if (saved) {
    opts.log(`using saved credentials for host ${saved.hostId} (${credentialsFile(opts.dataDir)})`);
    return saved;
  }
  if (!opts.token) {
    throw new EnrollmentError(
      `not enrolled: ${credentialsFile(opts.dataDir)} does not exist and no --enroll-token (VMOPS_AGENT_ENROLL_TOKEN) was given; add the host in the dashboard to get a token`,
    );
  }
  const url = new URL('/api/agent/enroll', opts.dashboard).toString();
  let delay = opts.initialDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    const body = { token: opts.token, name: opts.name, agentUrl: opts.agentUrl, info: await opts.info() };
    let status = 0;
    let text = '';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: Error };
      text = e.cause?.message ?? e.message; // fetch hides ECONNREFUSED & co in .cause
    }
    if (opts.signal?.aborted) throw new EnrollmentError('enrollment aborted: the agent is stopping');
    if (status >= 200 && status < 300) {
      const parsed = enrollResponseSchema.safeParse(safeJson(text));
      if (!parsed.success)
        throw new EnrollmentError(`dashboard answered enrollment with an unexpected body: ${text.slice(0, 200)}`);
      await saveCredentials(opts.dataDir, { ...parsed.data, dashboard: opts.dashboard });
      opts.log(`enrolled as host ${parsed.data.hostId}; credentials saved to ${credentialsFile(opts.dataDir)}`);
      return parsed.data;
    }
    // 4xx other than 404/408/429 means the dashboard looked at the token and said no.
    if (status >= 400 && status < 500 && ![404, 408, 429].includes(status)) {
      throw new EnrollmentError(`dashboard refused enrollment (HTTP ${status}): ${errorText(text)}`);
    }
    opts.log(`enrollment attempt ${attempt} failed (${status ? `HTTP ${status}` : text}); retrying in ${delay} ms`);
    await sleep(delay, opts.signal);
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 15_000);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorText(text: string): string {
  const body = safeJson(text) as { error?: { code?: string; message?: string } } | null;
  return body?.error?.message ? `${body.error.code ?? 'ERROR'}: ${body.error.message}` : text.slice(0, 300);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // The listener goes when the timer fires: a signal shared by many agents (the fleet
    // simulator) would otherwise collect one per retry.
    const abort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', abort), resolve()), ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
