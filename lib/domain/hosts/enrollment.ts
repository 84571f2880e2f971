import 'server-only';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import type { enrollRequestSchema } from '@/lib/agent-protocol/core';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '@/lib/domain/audit/service';
import { unauthenticated } from '@/lib/errors';
import { newAgentCredentials, sealDashboardSecret, sha256Hex, type AgentCredentials } from './credentials';
import { applyAgentInfo } from './host-facts';

// A one-time token names the host it is for and expires; the agent trades it for its credentials.
export async function createEnrollmentToken(
  hostName: string,
  actor: Actor = SYSTEM_ACTOR,
  ttlMinutes = 60,
): Promise<string> {
  // Hex, not base64url: a token starting with '-' reads as a flag on the agent's command line.
  const token = randomBytes(24).toString('hex');
  await db().enrollmentToken.create({
    data: { tokenHash: sha256Hex(token), hostName, expiresAt: new Date(Date.now() + ttlMinutes * 60_000) },
  });
  await recordAudit({
    actor,
    action: 'host.enrollment-token',
    target: { type: 'host', id: null, name: hostName },
    result: 'succeeded',
  });
  return token;
}

export async function enrollHost(
  req: z.output<typeof enrollRequestSchema>,
): Promise<{ hostId: string } & AgentCredentials> {
  const token = await db().enrollmentToken.findUnique({ where: { tokenHash: sha256Hex(req.token) } });
  if (!token || token.usedAt || token.expiresAt < new Date() || token.hostName !== req.name) {
    await recordAudit({
      actor: { id: null, name: `agent:${req.name}` },
      action: 'host.enroll',
      target: { type: 'host', id: null, name: req.name },
      result: 'denied',
    });
    throw unauthenticated('The enrollment token is unknown, used, expired or for another host');
  }
  const creds = newAgentCredentials();
  const agentTokenHash = sha256Hex(creds.agentToken);
  // The sealed secret needs the host id (its associated data), known only after the upsert; one
  // transaction, so a key-file failure also leaves the token unused.
  const host = await db().$transaction(async (tx) => {
    await tx.enrollmentToken.update({ where: { id: token.id }, data: { usedAt: new Date() } });
    const row = await tx.host.upsert({
      where: { name: req.name },
      create: { name: req.name, agentUrl: req.agentUrl, agentTokenHash, lastHeartbeat: new Date() },
      update: {
        agentUrl: req.agentUrl,
        agentTokenHash,
        legacySecret: null,
        lastHeartbeat: new Date(),
        status: 'online',
      },
    });
    return tx.host.update({
      where: { id: row.id },
      data: { dashboardSecretBox: await sealDashboardSecret(row.id, creds.dashboardSecret) },
    });
  });
  await applyAgentInfo(host.id, req.info);
  await recordAudit({
    actor: { id: null, name: `agent:${req.name}` },
    action: 'host.enroll',
    target: { type: 'host', id: host.id, name: req.name },
    result: 'succeeded',
    detail: { agentUrl: req.agentUrl, driver: req.info.driver },
  });
  return { hostId: host.id, ...creds };
}
