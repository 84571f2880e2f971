// The control plane at fleet size, on each engine: a database seeded with simulated hosts and VMs
// (fleet-seed.ts), the built dashboard (dashboard-server.ts) and a worker on it, and this process
// as the fleet's agents: every host sends its heartbeat (host + per-VM samples) every 5 s over
// HTTP. Measured while those heartbeats flow: ingestion sustained against offered, API p95 at
// 100 requests/s (sessions of several admins: the per-user limits stay as they are), the VM list
// page in Chromium from open to rows visible, and the dashboard's and worker's RSS.
// Needs `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import bcrypt from 'bcryptjs';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { startLocalPg } from '@/scripts/db/pg-local';
import { heartbeatOf, seedFleet, type Fleet } from './fleet-seed';
import { ms, quantile, type BenchRow } from './types';

const root = path.resolve(import.meta.dirname, '../..');
const DATA = path.join(root, '.cache/bench-fleet');
const PORT = 3400;
const URL = `http://127.0.0.1:${PORT}`;
const HEARTBEAT_MS = 5_000;
const WINDOW_MS = 30_000;
const USERS = 60; // 100 requests/s of metrics stay inside each one's limit (2/s)

type Engine = { name: string; hosts: number; vms: number };

function startProcess(script: string, env: NodeJS.ProcessEnv, args: string[] = []): ChildProcess {
  const argv = ['--conditions=react-server', '--import', 'tsx', path.join(root, script), ...args];
  return spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function signIn(username: string, password: string): Promise<string> {
  const csrf = await fetch(`${URL}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${URL}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf.headers.getSetCookie().join('; ') },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true' }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
  if (!session) throw new Error(`sign-in of ${username} failed: HTTP ${res.status}`);
  return session.split(';')[0];
}

// Every host once per HEARTBEAT_MS, spread evenly; counts what was sent and answered.
function heartbeats(fleet: Fleet) {
  const stats = { sent: 0, ok: 0, failed: 0, latencies: [] as number[] };
  const spacing = HEARTBEAT_MS / fleet.hosts.length;
  let stopped = false;
  const loop = async () => {
    for (let tick = 0; !stopped; tick++) {
      const h = fleet.hosts[tick % fleet.hosts.length];
      const due = start + tick * spacing;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      stats.sent++;
      const t = performance.now();
      void fetch(`${URL}/api/agent/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(heartbeatOf(h)),
      })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.status !== 204) return void stats.failed++;
          stats.ok++;
          stats.latencies.push(performance.now() - t);
        })
        .catch(() => stats.failed++);
    }
  };
  const start = performance.now();
  const done = loop();
  return { stats, stop: () => ((stopped = true), done) };
}

// Open loop: one request every 1000/rps ms whatever the answers, for seconds; p95 of the answers.
async function p95At(rps: number, seconds: number, url: string, cookies: string[]): Promise<[number, number]> {
  const latencies: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rps * seconds; i++) {
    const due = t0 + (i * 1000) / rps;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    const t = performance.now();
    pending.push(
      fetch(`${URL}${url}`, { headers: { cookie: cookies[i % cookies.length] } })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.ok) latencies.push(performance.now() - t);
          else errors++;
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(pending);
  return [quantile(latencies, 0.95), errors];
}

async function vmListPage(cookie: string): Promise<number> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  try {
    const context = await browser.newContext();
    const [name, value] = cookie.split('=');
    await context.addCookies([{ name, value, url: URL }]);
    const page = await context.newPage();
    await page.goto(`${URL}/`); // warm: the first load compiles nothing, but fetches the bundles
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await page.goto(`${URL}/vms`);
      await page
        .getByRole('link', { name: /^fleet-vm-/ })
        .first()
        .waitFor({ timeout: 60_000 });
      times.push(performance.now() - t);
    }
    return quantile(times, 0.5);
  } finally {
    await browser.close();
  }
}

async function runEngine(e: Engine): Promise<BenchRow[]> {
  const testDb = createTestDb();
  const fleet = await seedFleet(e.hosts, e.vms);
  const hash = await bcrypt.hash(fleet.password, 10);
  await db().user.createMany({
    data: Array.from({ length: USERS }, (_, i) => ({
      username: `admin${i}`,
      name: `Admin ${i}`,
      role: 'admin',
      passwordHash: hash,
    })),
  });
  const env = {
    ...process.env,
    DATABASE_URL: testDb.url,
    VMOPS_DATA_DIR: path.join(DATA, e.name),
    NEXTAUTH_URL: URL,
    NEXTAUTH_SECRET: 'fleet-bench-secret-fleet-bench-secret',
  };
  mkdirSync(env.VMOPS_DATA_DIR, { recursive: true });
  const dashboard = startProcess('scripts/stack/dashboard-server.ts', env, ['--port', String(PORT)]);
  const worker = startProcess('lib/worker/main.ts', env);
  try {
    await waitFor('the dashboard', async () => (await fetch(`${URL}/api/health`)).ok, 120_000, 500);
    const cookies = await Promise.all(Array.from({ length: USERS }, (_, i) => signIn(`admin${i}`, fleet.password)));
    const hb = heartbeats(fleet);
    await new Promise((r) => setTimeout(r, 10_000)); // warm-up: every host has reported twice
    const from = new Date();
    const before = { ...hb.stats, latencies: hb.stats.latencies.length };
    const apis: [string, string][] = [
      ['GET /api/vms (first page)', '/api/vms?limit=50'],
      ['GET /api/vms (filtered by name)', '/api/vms?limit=50&q=fleet-vm-0012'],
      ['GET /api/hosts', '/api/hosts'],
      ['GET /api/cluster/metrics', '/api/cluster/metrics?range=1h'],
    ];
    const p95s: [string, number, number][] = [];
    for (const [what, url] of apis) p95s.push([what, ...(await p95At(100, 5, url, cookies))]);
    const elapsed = Date.now() - from.getTime();
    const rest = Math.max(0, WINDOW_MS - elapsed);
    await new Promise((r) => setTimeout(r, rest));
    const windowMs = Date.now() - from.getTime();
    const sent = hb.stats.sent - before.sent;
    const stored = await db().metricSample.count({ where: { at: { gte: from }, vmId: { not: null } } });
    const pageMs = await vmListPage(cookies[0]);
    const rss = { dashboard: rssMiB(dashboard.pid!), worker: rssMiB(worker.pid!) };
    await hb.stop();
    const offered = (sent * (e.vms / e.hosts)) / (windowMs / 1000);
    const sustained = stored / (windowMs / 1000);
    const hbP95 = quantile(hb.stats.latencies.slice(before.latencies), 0.95);
    const label = `${e.name}, ${e.hosts} hosts / ${e.vms} VMs (simulated)`;
    return [
      {
        what: `${label}: VM samples stored per second, against offered`,
        value: `${sustained.toFixed(0)}/s of ${offered.toFixed(0)}/s (heartbeat p95 ${ms(hbP95)}, ${hb.stats.failed} failed)`,
        yardstick: 'offered (every host every 5 s)',
        ratio: (sustained / offered).toFixed(2),
      },
      ...p95s.map(([what, p95, errors]) => ({
        what: `${label}: ${what}, p95 at 100 requests/s`,
        value: `${ms(p95)}${errors ? ` (${errors} errors)` : ''}`,
        yardstick: 'target 50 ms',
        ratio: (p95 / 50).toFixed(2),
      })),
      {
        what: `${label}: VM list page in Chromium, open -> rows visible (median of 3)`,
        value: ms(pageMs),
        yardstick: 'target 300 ms',
        ratio: (pageMs / 300).toFixed(2),
      },
      {
        what: `${label}: RSS of the dashboard / the worker`,
        value: `${rss.dashboard.toFixed(0)} MiB / ${rss.worker.toFixed(0)} MiB`,
        yardstick: '-',
        ratio: '-',
      },
    ];
  } finally {
    dashboard.kill('SIGKILL');
    worker.kill('SIGKILL');
    await db().$disconnect();
    testDb.cleanup();
  }
}

export async function fleetBench(): Promise<BenchRow[]> {
  rmSync(DATA, { recursive: true, force: true });
  const rows = await runEngine({ name: 'SQLite', hosts: 250, vms: 4_000 });
  const pg = startLocalPg(path.join(DATA, 'pg'), 55499);
  process.env.VMOPS_TEST_PG = pg.url('postgres');
  try {
    rows.push(...(await runEngine({ name: 'PostgreSQL', hosts: 2_500, vms: 40_000 })));
  } finally {
    delete process.env.VMOPS_TEST_PG;
    pg.stop();
  }
  return rows;
}
