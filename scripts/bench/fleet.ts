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

// Every host once per HEARTBEAT_MS, spread evenly, as agents do: one heartbeat of a host at a time
// (a beat due while the last is unanswered is skipped, counted as offered), 10 s to answer.
function heartbeats(fleet: Fleet) {
  const stats = { offered: 0, ok: 0, failed: 0, skipped: 0, latencies: [] as number[] };
  const busy = new Set<string>();
  const spacing = HEARTBEAT_MS / fleet.hosts.length;
  let stopped = false;
  const beat = async (h: Fleet['hosts'][number]) => {
    busy.add(h.id);
    const t = performance.now();
    try {
      const r = await fetch(`${URL}/api/agent/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(heartbeatOf(h)),
        signal: AbortSignal.timeout(10_000),
      });
      await r.arrayBuffer();
      if (r.status !== 204) return void stats.failed++;
      stats.ok++;
      stats.latencies.push(performance.now() - t);
    } catch {
      stats.failed++;
    } finally {
      busy.delete(h.id);
    }
  };
  const loop = async () => {
    const start = performance.now();
    for (let tick = 0; !stopped; tick++) {
      const h = fleet.hosts[tick % fleet.hosts.length];
      const due = start + tick * spacing;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      stats.offered++;
      if (busy.has(h.id)) stats.skipped++;
      else void beat(h);
    }
  };
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
      fetch(`${URL}${url}`, { headers: { cookie: cookies[i % cookies.length] }, signal: AbortSignal.timeout(10_000) })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.ok) latencies.push(performance.now() - t);
          else errors++;
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(pending);
  return [latencies.length ? quantile(latencies, 0.95) : Infinity, errors];
}

const shown = (v: number) => (Number.isFinite(v) ? ms(v) : 'no answer');

const caughtUp = async () => {
  const t = performance.now();
  const ok = (await fetch(`${URL}/api/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  return ok && performance.now() - t < 500;
};

async function vmListPage(cookie: string): Promise<number> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  try {
    const context = await browser.newContext();
    const [name, value] = cookie.split('=');
    await context.addCookies([{ name, value, url: URL }]);
    const page = await context.newPage();
    // Warm: the bundles are fetched once (a busy dashboard may not answer: then the loads below say so).
    await page.goto(`${URL}/`, { timeout: 30_000 }).catch(() => null);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await page.goto(`${URL}/vms`, { timeout: 30_000 }).catch(() => null);
      // A dashboard too busy to show the rows within 30 s counts as never.
      const seen = await page
        .getByRole('link', { name: /^fleet-vm-/ })
        .first()
        .waitFor({ timeout: 30_000 })
        .then(
          () => true,
          () => false,
        );
      times.push(seen ? performance.now() - t : Infinity);
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
    const before = { offered: hb.stats.offered, latencies: hb.stats.latencies.length };
    const apis: [string, string][] = [
      ['GET /api/vms (first page)', '/api/vms?limit=50'],
      ['GET /api/vms (filtered by name)', '/api/vms?limit=50&q=fleet-vm-0012'],
      ['GET /api/hosts (first page)', '/api/hosts'],
      ['GET /api/hosts/summary (every page polls it)', '/api/hosts/summary'],
      ['GET /api/cluster/metrics', '/api/cluster/metrics?range=1h'],
    ];
    const p95s: [string, number, number][] = [];
    for (const [what, url] of apis) {
      p95s.push([what, ...(await p95At(100, 5, url, cookies))]);
      // Each endpoint measured from the same footing: the backlog of the one before drained first.
      await waitFor('the dashboard to catch up', () => caughtUp(), 120_000, 500).catch(() => null);
    }
    const elapsed = Date.now() - from.getTime();
    const rest = Math.max(0, WINDOW_MS - elapsed);
    await new Promise((r) => setTimeout(r, rest));
    const windowMs = Date.now() - from.getTime();
    const offeredBeats = hb.stats.offered - before.offered;
    const stored = await db().metricSample.count({ where: { at: { gte: from }, vmId: { not: null } } });
    const pageMs = await vmListPage(cookies[0]);
    const rss = { dashboard: rssMiB(dashboard.pid!), worker: rssMiB(worker.pid!) };
    await hb.stop();
    const offered = (offeredBeats * (e.vms / e.hosts)) / (windowMs / 1000);
    const sustained = stored / (windowMs / 1000);
    const answered = hb.stats.latencies.slice(before.latencies);
    const hbP95 = answered.length ? quantile(answered, 0.95) : Infinity;
    const label = `${e.name}, ${e.hosts} hosts / ${e.vms} VMs (simulated)`;
    return [
      {
        what: `${label}: VM samples stored per second, against offered`,
        value: `${sustained.toFixed(0)}/s of ${offered.toFixed(0)}/s (heartbeat p95 ${shown(hbP95)}; ${hb.stats.skipped} beats skipped, the last unanswered; ${hb.stats.failed} failed)`,
        yardstick: 'offered (every host every 5 s)',
        ratio: (sustained / offered).toFixed(2),
      },
      ...p95s.map(([what, p95, errors]) => ({
        what: `${label}: ${what}, p95 at 100 requests/s`,
        value: `${shown(p95)}${errors ? ` (${errors} of ${100 * 5} failed or unanswered in 10 s)` : ''}`,
        yardstick: 'target 50 ms',
        ratio: Number.isFinite(p95) ? (p95 / 50).toFixed(2) : '-',
      })),
      {
        what: `${label}: VM list page in Chromium, open -> rows visible (median of 3)`,
        value: Number.isFinite(pageMs) ? ms(pageMs) : 'not within 30 s',
        yardstick: 'target 300 ms',
        ratio: Number.isFinite(pageMs) ? (pageMs / 300).toFixed(2) : '-',
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
