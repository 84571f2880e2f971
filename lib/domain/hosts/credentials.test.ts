import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '@/lib/agent/agent';
import { parseAgentConfig } from '@/lib/agent/config';
import { credentialsFile } from '@/lib/agent/enroll';
import { createMemoryLogger } from '@/lib/agent/log';
import type { AgentInfo, Heartbeat } from '@/lib/agent-protocol/core';
import { tempDir } from '@/lib/testing/temp-dir';
import { db } from '@/lib/db/client';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { createTestDb, rawRow } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { agentFor } from './agents';
import { dashboardSecretFor, hostFromBearer, sha256Hex } from './credentials';
import { createEnrollmentToken, enrollHost } from './enrollment';

const testDb = createTestDb();
let dash: Awaited<ReturnType<typeof startMiniDashboard>>;
beforeAll(async () => void (dash = await startMiniDashboard()));
afterAll(async () => {
  await dash.close();
  testDb.cleanup();
});

const info: AgentInfo = {
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'qemu',
  qemuVersion: '7.2.0',
  accelerator: 'tcg',
  acceleratorReason: 'TCG',
  cpuCount: 2,
  cpuModel: 'Test CPU',
  memoryTotalBytes: 8 * 1024 ** 3,
  kernel: '6.1',
  pools: [],
};
const heartbeat = (): Heartbeat => ({
  at: new Date().toISOString(),
  info,
  vms: [],
  host: { cpuPct: 5, memUsedBytes: 1024 ** 3, memTotalBytes: 8 * 1024 ** 3, load1: 0, load5: 0, load15: 0 },
});
const enroll = async (name: string) =>
  enrollHost({
    token: await createEnrollmentToken(name),
    name,
    agentUrl: 'http://127.0.0.1:7101',
    info: { ...info, hostName: name },
  });
const postHeartbeat = (bearer: string) =>
  fetch(`${dash.url}/api/agent/heartbeat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(heartbeat()),
  });

// Which columns of a raw row contain the value anywhere.
const columnsHolding = (row: Record<string, unknown>, secret: string) =>
  Object.keys(row).filter((k) => String(row[k]).includes(secret));

describe('host credentials', () => {
  it('enrollment returns two different credentials and stores neither in plain text', async () => {
    const { hostId, agentToken, dashboardSecret } = await enroll('h1');
    expect(agentToken).not.toBe(dashboardSecret);
    const row = rawRow(testDb.file, 'Host', hostId);
    expect(columnsHolding(row, agentToken)).toEqual([]);
    expect(columnsHolding(row, dashboardSecret)).toEqual([]);
    expect(row).toMatchObject({
      agentTokenHash: sha256Hex(agentToken),
      dashboardSecretBox: expect.stringMatching(/^v1:/),
      legacySecret: null,
    });
    expect(await dashboardSecretFor(await db().host.findUniqueOrThrow({ where: { id: hostId } }))).toBe(
      dashboardSecret,
    );
  });

  it('a real agent enrolled with a token: its heartbeats land and the dashboard reaches it', async () => {
    const data = await tempDir('vmops-cred-agent-');
    const token = await createEnrollmentToken('h7');
    const config = parseAgentConfig(
      [
        '--name',
        'h7',
        '--port',
        '0',
        '--data',
        data.path,
        '--shared',
        `${data.path}/shared`,
        '--dashboard',
        dash.url,
        '--enroll-token',
        token,
        '--driver',
        'simulated',
        '--interval-ms',
        '200',
      ],
      {},
    );
    const agent = await startAgent(config, { log: createMemoryLogger('vmops:agent:h7') });
    try {
      const { hostId } = await agent.enrolled;
      const saved = JSON.parse(await readFile(credentialsFile(data.path), 'utf8')) as {
        agentToken: string;
        dashboardSecret: string;
      };
      expect(columnsHolding(rawRow(testDb.file, 'Host', hostId), saved.agentToken)).toEqual([]);
      expect(columnsHolding(rawRow(testDb.file, 'Host', hostId), saved.dashboardSecret)).toEqual([]);
      await db().host.update({
        where: { id: hostId },
        data: { agentUrl: `http://127.0.0.1:${agent.port}`, lastHeartbeat: null },
      });
      await waitFor(
        'a heartbeat',
        async () => (await db().host.findUniqueOrThrow({ where: { id: hostId } })).lastHeartbeat !== null,
        10_000,
        100,
      );
      expect(await (await agentFor(hostId)).info()).toMatchObject({ hostName: 'h7' });
    } finally {
      await agent.close();
      await data.remove();
    }
  });

  it("heartbeats need the agent's token: the dashboard's secret, a wrong or a replaced token are refused", async () => {
    const first = await enroll('h2');
    expect((await postHeartbeat(first.agentToken)).status).toBe(204);
    for (const bearer of [first.dashboardSecret, 'wrong', sha256Hex(first.agentToken)]) {
      const res = await postHeartbeat(bearer);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
    }
    // Enrolling again (e.g. a reinstalled host) replaces both; the old ones stop working.
    const second = await enroll('h2');
    expect(second.hostId).toBe(first.hostId);
    expect((await postHeartbeat(first.agentToken)).status).toBe(401);
    expect((await postHeartbeat(second.agentToken)).status).toBe(204);
    expect(await dashboardSecretFor(await db().host.findUniqueOrThrow({ where: { id: first.hostId } }))).toBe(
      second.dashboardSecret,
    );
    await expect(hostFromBearer(null)).rejects.toMatchObject({ status: 401 });
    await expect(hostFromBearer(`Basic ${second.agentToken}`)).rejects.toMatchObject({ status: 401 });
  });

  it("a sealed secret pasted into another host's row does not open", async () => {
    const a = await enroll('h3');
    const b = await enroll('h4');
    const rowA = await db().host.findUniqueOrThrow({ where: { id: a.hostId } });
    await db().host.update({ where: { id: b.hostId }, data: { dashboardSecretBox: rowA.dashboardSecretBox } });
    await expect(agentFor(b.hostId)).rejects.toMatchObject({ code: 'SECRET_KEY_UNAVAILABLE', status: 503 });
  });

  it('an unusable key file fails enrollment with a coded 503 and leaves the token unused', async () => {
    const token = await createEnrollmentToken('h6');
    const badKey = path.join(path.dirname(testDb.file), 'bad.key');
    await writeFile(badKey, 'not-a-key', { mode: 0o600 });
    const saved = process.env.VMOPS_SECRET_KEY_FILE;
    const req = { token, name: 'h6', agentUrl: 'http://127.0.0.1:7101', info };
    try {
      process.env.VMOPS_SECRET_KEY_FILE = badKey;
      await expect(enrollHost(req)).rejects.toMatchObject({
        code: 'SECRET_KEY_UNAVAILABLE',
        status: 503,
        data: { keyFile: badKey },
      });
    } finally {
      process.env.VMOPS_SECRET_KEY_FILE = saved;
    }
    expect(await db().host.findUnique({ where: { name: 'h6' } })).toBeNull();
    await expect(enrollHost(req)).resolves.toMatchObject({ agentToken: expect.any(String) });
  });

  it('a wrong or missing key file is a coded 503 naming the file, not a crash', async () => {
    const { hostId } = await enroll('h5');
    const wrongKey = path.join(path.dirname(testDb.file), 'other.key');
    await writeFile(wrongKey, randomBytes(32).toString('base64url'), { mode: 0o600 });
    const saved = process.env.VMOPS_SECRET_KEY_FILE;
    try {
      process.env.VMOPS_SECRET_KEY_FILE = wrongKey;
      await expect(agentFor(hostId)).rejects.toMatchObject({
        code: 'SECRET_KEY_UNAVAILABLE',
        status: 503,
        data: { keyFile: wrongKey },
      });
      process.env.VMOPS_SECRET_KEY_FILE = path.join(path.dirname(testDb.file), 'missing.key');
      await expect(agentFor(hostId)).rejects.toMatchObject({
        code: 'SECRET_KEY_UNAVAILABLE',
        data: { keyFile: process.env.VMOPS_SECRET_KEY_FILE },
      });
    } finally {
      process.env.VMOPS_SECRET_KEY_FILE = saved;
    }
    await expect(agentFor(hostId)).resolves.toBeDefined();
  });
});
