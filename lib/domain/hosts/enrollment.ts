import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import type { enrollRequestSchema } from '@/lib/agent/protocol';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '@/lib/domain/audit/service';
import { unauthenticated } from '@/lib/errors';
import { applyAgentInfo } from './heartbeat';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// A one-time token names the host it is for and expires; the agent trades it for a secret.
export async function createEnrollmentToken(hostName: string, actor: Actor = SYSTEM_ACTOR, ttlMinutes = 60): Promise<string> {
  // Hex, not base64url: a token starting with '-' reads as a flag on the agent's command line.
  const token = randomBytes(24).toString('hex');
  await db().enrollmentToken.create({
    data: { tokenHash: sha256(token), hostName, expiresAt: new Date(Date.now() + ttlMinutes * 60_000) },
  });
  await recordAudit({ actor, action: 'host.enrollment-token', target: { type: 'host', id: null, name: hostName }, result: 'succeeded' });
  return token;
}

export async function enrollHost(req: z.output<typeof enrollRequestSchema>): Promise<{ hostId: string; secret: string }> {
  const token = await db().enrollmentToken.findUnique({ where: { tokenHash: sha256(req.token) } });
  if (!token || token.usedAt || token.expiresAt < new Date() || token.hostName !== req.name) {
    await recordAudit({ actor: { id: null, name: `agent:${req.name}` }, action: 'host.enroll', target: { type: 'host', id: null, name: req.name }, result: 'denied' });
    throw unauthenticated('The enrollment token is unknown, used, expired or for another host');
  }
  const secret = randomBytes(32).toString('base64url');
  const host = await db().$transaction(async (tx) => {
    await tx.enrollmentToken.update({ where: { id: token.id }, data: { usedAt: new Date() } });
    return tx.host.upsert({
      where: { name: req.name },
      create: { name: req.name, agentUrl: req.agentUrl, secret, secretHash: sha256(secret), lastHeartbeat: new Date() },
      update: { agentUrl: req.agentUrl, secret, secretHash: sha256(secret), lastHeartbeat: new Date(), status: 'online' },
    });
  });
  await applyAgentInfo(host.id, req.info);
  await recordAudit({ actor: { id: null, name: `agent:${req.name}` }, action: 'host.enroll', target: { type: 'host', id: host.id, name: req.name }, result: 'succeeded', detail: { agentUrl: req.agentUrl, driver: req.info.driver } });
  return { hostId: host.id, secret };
}

// Resolves the host from its bearer secret (agent -> dashboard calls): looked up by the secret's
// hash, so no secret comparison leaks timing and the lookup is one indexed read.
export async function hostFromBearer(authorization: string | null): Promise<{ id: string; name: string }> {
  const secret = authorization?.match(/^Bearer (.+)$/)?.[1];
  if (!secret) throw unauthenticated('Missing agent bearer secret');
  const host = await db().host.findUnique({ where: { secretHash: sha256(secret) }, select: { id: true, name: true } });
  if (!host) throw unauthenticated('Unknown agent secret');
  return host;
}
