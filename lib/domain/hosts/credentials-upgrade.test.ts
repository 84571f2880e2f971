import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '@/lib/agent/agent';
import { parseAgentConfig } from '@/lib/agent/config';
import { credentialsFile } from '@/lib/agent/enroll';
import { createMemoryLogger } from '@/lib/agent/log';
import { tempDir } from '@/lib/testing/temp-dir';
import { db } from '@/lib/db/client';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { applyMigrations, createTestDb, rawRow } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { agentFor } from './agents';
import { dashboardSecretFor, sealLegacyHostSecrets, sha256Hex } from './credentials';

// A database made by the migrations before the two credentials, holding hosts with one plain
// secret each (as those versions wrote them), then upgraded by the rest of the migrations.
const UPGRADE = '20261206010000_host_secrets';
const testDb = createTestDb({ migrations: (m) => m < UPGRADE });
const legacy = { h1: 'legacy-secret-of-h1-0123456789abcdef', h2: 'legacy-secret-of-h2-0123456789abcdef' };
{
  const sqlite = new Database(testDb.file);
  for (const [name, secret] of Object.entries(legacy)) {
    sqlite
      .prepare('INSERT INTO Host (id, name, agentUrl, secret, secretHash) VALUES (?, ?, ?, ?, ?)')
      .run(`id-${name}`, name, 'http://127.0.0.1:1', secret, sha256Hex(secret));
  }
  sqlite
    .prepare(
      "INSERT INTO StoragePool (id, hostId, name, kind, path, totalBytes, freeBytes, updatedAt) VALUES ('p1', 'id-h1', 'local', 'local', '/pool', 1, 1, 0)",
    )
    .run();
  sqlite
    .prepare(
      "INSERT INTO Vm (id, name, hostId, vcpus, memoryMiB, diskSizeBytes, updatedAt) VALUES ('vm1', 'vm1', 'id-h1', 1, 128, 1, 0)",
    )
    .run();
  sqlite.close();
}
applyMigrations(testDb.file, (m) => m >= UPGRADE);

let dash: Awaited<ReturnType<typeof startMiniDashboard>>;
let data: Awaited<ReturnType<typeof tempDir>>;
let agent: RunningAgent | null = null;
beforeAll(async () => {
  dash = await startMiniDashboard();
  data = await tempDir('vmops-legacy-agent-');
});
afterAll(async () => {
  await agent?.close();
  await data.remove();
  await dash.close();
  testDb.cleanup();
});

const hostColumnsHolding = (id: string, secret: string) => {
  const row = rawRow(testDb.file, 'Host', id);
  return Object.keys(row).filter((k) => String(row[k]).includes(secret));
};

describe('upgrade from one plain secret per host', () => {
  it('keeps the old secret as the agent token (hash) and parks the plain value until sealed', () => {
    expect(rawRow(testDb.file, 'Host', 'id-h1')).toMatchObject({
      agentTokenHash: sha256Hex(legacy.h1),
      legacySecret: legacy.h1,
      dashboardSecretBox: null,
    });
    expect(rawRow(testDb.file, 'StoragePool', 'p1')).toMatchObject({ hostId: 'id-h1' });
    expect(rawRow(testDb.file, 'Vm', 'vm1')).toMatchObject({ hostId: 'id-h1' });
  });

  it('an agent still holding the old agent.json keeps working both ways; first use seals the secret', async () => {
    await writeFile(
      credentialsFile(data.path),
      JSON.stringify({ hostId: 'id-h1', secret: legacy.h1, dashboard: dash.url }),
      { mode: 0o600 },
    );
    const config = parseAgentConfig(
      [
        '--name',
        'h1',
        '--port',
        '0',
        '--data',
        data.path,
        '--shared',
        `${data.path}/shared`,
        '--dashboard',
        dash.url,
        '--driver',
        'simulated',
        '--interval-ms',
        '200',
      ],
      {},
    );
    agent = await startAgent(config, { log: createMemoryLogger('vmops:agent:h1') });
    await agent.enrolled;
    await db().host.update({
      where: { id: 'id-h1' },
      data: { agentUrl: `http://127.0.0.1:${agent.port}`, lastHeartbeat: null },
    });
    // agent -> dashboard: its heartbeats are accepted with the old secret as token.
    await waitFor(
      'a heartbeat with the old secret',
      async () => (await db().host.findUniqueOrThrow({ where: { id: 'id-h1' } })).lastHeartbeat !== null,
      10_000,
      100,
    );
    // dashboard -> agent: the client presents the old secret, sealing it on the way.
    expect(await (await agentFor('id-h1')).info()).toMatchObject({ hostName: 'h1' });
    expect(rawRow(testDb.file, 'Host', 'id-h1')).toMatchObject({
      legacySecret: null,
      dashboardSecretBox: expect.stringMatching(/^v1:/),
    });
    expect(hostColumnsHolding('id-h1', legacy.h1)).toEqual([]);
  });

  it('start-up seals every remaining plain secret, once', async () => {
    expect(await sealLegacyHostSecrets()).toBe(1);
    expect(hostColumnsHolding('id-h2', legacy.h2)).toEqual([]);
    expect(await dashboardSecretFor(await db().host.findUniqueOrThrow({ where: { id: 'id-h2' } }))).toBe(legacy.h2);
    expect(await sealLegacyHostSecrets()).toBe(0);
  });
});
