import 'server-only';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { loadSecretKey } from '@/lib/crypto/key-file';
import { open, seal } from '@/lib/crypto/secret-box';
import { db } from '@/lib/db/client';
import { agentUnreachable, unauthenticated } from '@/lib/errors';

// Two credentials per host, each one way: the agent's token (agent -> dashboard: heartbeats),
// of which the dashboard keeps only the SHA-256; and the dashboard's secret (dashboard/worker ->
// agent), kept sealed with the key file (lib/crypto). Leaking one does not give the other.
export type AgentCredentials = { agentToken: string; dashboardSecret: string };

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export const newAgentCredentials = (): AgentCredentials => ({
  agentToken: randomBytes(32).toString('base64url'),
  dashboardSecret: randomBytes(32).toString('base64url'),
});

// The host id is the associated data: a sealed value pasted into another host's row does not open.
const hostAad = (hostId: string) => `host:${hostId}`;

export async function sealDashboardSecret(hostId: string, secret: string): Promise<string> {
  return seal(await loadSecretKey({ create: true }), secret, hostAad(hostId));
}

type SecretRow = { id: string; name: string; dashboardSecretBox: string | null; legacySecret: string | null };

// The secret the dashboard and worker present to a host's agent (lib/domain/hosts/agents.ts).
export async function dashboardSecretFor(host: SecretRow): Promise<string> {
  if (host.dashboardSecretBox)
    return open(await loadSecretKey({ create: false }), host.dashboardSecretBox, hostAad(host.id));
  if (host.legacySecret) {
    await sealLegacySecret(host.id, host.legacySecret);
    return host.legacySecret;
  }
  throw agentUnreachable(host.name, 'the dashboard holds no secret for this agent; enroll the host again');
}

// Rows from before the two-credential migration: the old plain secret stays the agent's token
// (its hash is already stored) and becomes the dashboard's secret, sealed; the plain copy goes.
// Conditional on the plain value, so a dashboard and a worker doing it at once do not clash.
async function sealLegacySecret(hostId: string, plain: string): Promise<void> {
  const box = await sealDashboardSecret(hostId, plain);
  await db().host.updateMany({
    where: { id: hostId, legacySecret: plain },
    data: { dashboardSecretBox: box, legacySecret: null },
  });
}

// At start-up (scripts/stack/setup.ts), so no plain secret waits for a host's first call.
export async function sealLegacyHostSecrets(): Promise<number> {
  const rows = await db().host.findMany({
    where: { legacySecret: { not: null } },
    select: { id: true, legacySecret: true },
  });
  for (const row of rows) await sealLegacySecret(row.id, row.legacySecret!);
  return rows.length;
}

// Resolves the host of an agent -> dashboard call from its bearer token: one indexed read by the
// token's hash, then a constant-time comparison of the hashes.
const bearerHash = (authorization: string | null): string => {
  const token = authorization?.match(/^Bearer (\S+)$/)?.[1];
  if (!token) throw unauthenticated('Missing agent bearer token');
  return sha256Hex(token);
};

async function hostOfHash(hash: string): Promise<{ id: string; name: string }> {
  const host = await db().host.findUnique({
    where: { agentTokenHash: hash },
    select: { id: true, name: true, agentTokenHash: true },
  });
  const stored = Buffer.from(host?.agentTokenHash ?? '');
  if (!host || stored.length !== hash.length || !timingSafeEqual(stored, Buffer.from(hash)))
    throw unauthenticated('Unknown agent token');
  return { id: host.id, name: host.name };
}

export async function hostFromBearer(authorization: string | null): Promise<{ id: string; name: string }> {
  return hostOfHash(bearerHash(authorization));
}

// Heartbeats: hundreds a second at fleet size, each a lookup. Known tokens are remembered for a
// while (only tokens that matched a host, so at most one entry per host); the heartbeat batch
// checks the token against the stored row again before writing (heartbeat-batch.ts) and forgets
// it if it no longer matches, so a rotated token or a removed host writes nothing.
const AGENT_CACHE_MS = 30_000;
const agentCache = new Map<string, { hostId: string; until: number }>();

export async function agentFromBearer(authorization: string | null): Promise<{ hostId: string; tokenHash: string }> {
  const tokenHash = bearerHash(authorization);
  const hit = agentCache.get(tokenHash);
  if (hit && hit.until > Date.now()) return { hostId: hit.hostId, tokenHash };
  const { id } = await hostOfHash(tokenHash);
  if (agentCache.size >= 10_000) for (const [k, v] of agentCache) if (v.until <= Date.now()) agentCache.delete(k);
  agentCache.set(tokenHash, { hostId: id, until: Date.now() + AGENT_CACHE_MS });
  return { hostId: id, tokenHash };
}

export const forgetAgentToken = (tokenHash: string): void => void agentCache.delete(tokenHash);
