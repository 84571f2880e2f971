import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, type APIRequestContext } from '@playwright/test';
import { E2E_DATA } from '../playwright.config';
import { pollApi } from './support';

// The dashboard's only way to type into a guest is the console WebSocket (e2e/console.spec.ts);
// for a command and its answer, tests speak to the host agent's serial console
// API directly, with the dashboard's secret from the agent's own agent.json (the database holds it
// only encrypted), then read the answer through the dashboard's console API.
export async function guestCommand(
  request: APIRequestContext,
  hostId: string,
  vmId: string,
  line: string,
  answer: string,
  timeoutMs = 60_000,
): Promise<void> {
  const db = new Database(path.join(E2E_DATA, 'vmops.db'), { readonly: true });
  const host = db.prepare('SELECT name, agentUrl FROM Host WHERE id = ?').get(hostId) as {
    name: string;
    agentUrl: string;
  };
  db.close();
  const { dashboardSecret } = JSON.parse(
    readFileSync(path.join(E2E_DATA, 'hosts', host.name, 'agent.json'), 'utf8'),
  ) as { dashboardSecret: string };
  const res = await request.post(`${host.agentUrl}/v1/vms/${vmId}/serial`, {
    data: { line },
    headers: { Authorization: `Bearer ${dashboardSecret}` },
  });
  expect(res.status()).toBe(204);
  await pollApi(
    request,
    `/api/vms/${vmId}/console?lines=50`,
    (b) => (b as { lines: string[] }).lines.some((l) => l.includes(answer)),
    timeoutMs,
  );
}
