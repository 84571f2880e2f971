// Agent configuration from (highest first) CLI flags, VMOPS_AGENT_* environment variables and an
// optional JSON file; validated with zod so a typo fails at start with the flag's name in the
// message instead of surfacing later as a confusing runtime error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_EDAC_ROOT } from './ha/edac';
import { DEFAULT_LEASE, leaseTiming } from './ha/lease-timing';
import type { HaTiming } from '@/lib/agent-protocol/ha';
import { normaliseUrlPrefix } from './images/locations';
import { driverKindSchema } from '@/lib/agent-protocol/core';

export type PoolConfig = { name: string; kind: 'local' | 'shared'; path: string };

const fileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -'),
    // Disaster recovery: the site this host is in (hosts of one site share storage).
    site: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -')
      .default('main'),
    port: z.coerce.number().int().min(0).max(65535), // 0 = any free port (tests)
    host: z.string().min(1).default('127.0.0.1'),
    data: z.string().min(1),
    shared: z.string().min(1),
    dashboard: z
      .string()
      .url()
      .refine((u) => /^https?:/.test(u), 'http(s) URL'),
    enrollToken: z.string().min(16).optional(),
    driver: driverKindSchema.optional(), // unset = auto (QEMU when installed)
    intervalMs: z.coerce.number().int().min(200).max(600_000).default(5000),
    agentUrl: z.string().url().optional(), // what the dashboard should call; default http://host:port
    qemuBinary: z.string().optional(),
    // Where image imports may read from, besides <shared>/image-store (docs: "Image import locations").
    importDirs: z.array(z.string().min(1)).default([]),
    importUrlPrefixes: z
      .array(z.string().refine((u) => normaliseUrlPrefix(u) !== null, 'http(s) URL without user, query or fragment'))
      .default([]),
    // HA storage lease (docs: "High availability"); checked together by leaseTiming().
    leaseRenewMs: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_LEASE.renewMs),
    leaseTimeoutMs: z.coerce.number().int().min(1000).max(3_600_000).default(DEFAULT_LEASE.timeoutMs),
    leaseMarginMs: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_LEASE.marginMs),
    edacRoot: z.string().min(1).default(DEFAULT_EDAC_ROOT), // memory error counters (tests: a temp dir laid out alike)
  })
  .strict();

export type AgentConfig = z.infer<typeof fileSchema> & {
  agentUrl: string;
  pools: PoolConfig[];
  imagesDir: string;
  imageStoreDir: string; // the product's own import location, always allowed
  importLocations: { dirs: string[]; urlPrefixes: string[] };
  haTiming: HaTiming;
};

// key -> [flag, env var]; the flag spelling is used in error messages.
const keys = {
  name: ['name', 'VMOPS_AGENT_NAME'],
  site: ['site', 'VMOPS_AGENT_SITE'],
  port: ['port', 'VMOPS_AGENT_PORT'],
  host: ['host', 'VMOPS_AGENT_HOST'],
  data: ['data', 'VMOPS_AGENT_DATA'],
  shared: ['shared', 'VMOPS_AGENT_SHARED'],
  dashboard: ['dashboard', 'VMOPS_AGENT_DASHBOARD'],
  enrollToken: ['enroll-token', 'VMOPS_AGENT_ENROLL_TOKEN'],
  driver: ['driver', 'VMOPS_AGENT_DRIVER'],
  intervalMs: ['interval-ms', 'VMOPS_AGENT_INTERVAL_MS'],
  agentUrl: ['agent-url', 'VMOPS_AGENT_URL'],
  qemuBinary: ['qemu-binary', 'VMOPS_AGENT_QEMU_BINARY'],
  importDirs: ['import-dir', 'VMOPS_AGENT_IMPORT_DIR'],
  importUrlPrefixes: ['import-url-prefix', 'VMOPS_AGENT_IMPORT_URL_PREFIX'],
  leaseRenewMs: ['lease-renew-ms', 'VMOPS_AGENT_LEASE_RENEW_MS'],
  leaseTimeoutMs: ['lease-timeout-ms', 'VMOPS_AGENT_LEASE_TIMEOUT_MS'],
  leaseMarginMs: ['lease-margin-ms', 'VMOPS_AGENT_LEASE_MARGIN_MS'],
  edacRoot: ['edac-root', 'VMOPS_AGENT_EDAC_ROOT'],
} as const satisfies Record<keyof z.input<typeof fileSchema>, readonly [string, string]>;

export const AGENT_USAGE = `usage: tsx lib/agent/main.ts --name h1 --port 7101 --data <dir> --shared <dir> --dashboard <url>
  [--site main] [--host 127.0.0.1] [--enroll-token <t>] [--driver qemu|simulated] [--interval-ms 5000]
  [--agent-url <url>] [--qemu-binary <path>] [--import-dir <dir>]... [--import-url-prefix <url>]... [--config file.json]
  [--lease-renew-ms 2000] [--lease-timeout-ms 8000] [--lease-margin-ms 2000] [--edac-root /sys/devices/system/edac]
Every flag also reads VMOPS_AGENT_<FLAG> (e.g. VMOPS_AGENT_ENROLL_TOKEN); VMOPS_DRIVER=qemu forces QEMU.
--import-dir and --import-url-prefix repeat or take comma-separated lists (importDirs, importUrlPrefixes
arrays in the file); <shared>/image-store is always an import location.
HA lease: peers declare this host's lease expired after --lease-timeout-ms without a renewal; the agent
fences itself (SIGKILLs its shared-pool VMs) after timeout - margin; margin >= 1000 ms, renew <= (timeout - margin) / 2.
The config file is JSON with the camelCase keys (name, port, enrollToken, intervalMs, ...).`;

// Flags that repeat (and their env variables) and take comma-separated lists.
const listKeys = new Set<string>(['importDirs', 'importUrlPrefixes']);

export class ConfigError extends Error {}

export function parseAgentConfig(argv: string[], env: Record<string, string | undefined> = process.env): AgentConfig {
  let parsed;
  try {
    const options = Object.fromEntries(
      [
        ...Object.entries(keys).map(([key, [flag]]) => [flag, listKeys.has(key)] as const),
        ['config', false] as const,
      ].map(([f, multiple]) => [f, { type: 'string' as const, multiple }]),
    );
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${AGENT_USAGE}`);
  }
  if (parsed.values.help) throw new ConfigError(AGENT_USAGE);
  const flags = parsed.values as Record<string, string | string[] | undefined>;

  const configFile = (flags.config as string | undefined) ?? env.VMOPS_AGENT_CONFIG;
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, [flag, envName]] of Object.entries(keys)) {
    const value = flags[flag] ?? env[envName] ?? (key === 'driver' ? env.VMOPS_DRIVER : undefined);
    if (listKeys.has(key) && value !== undefined) {
      const list = [value]
        .flat()
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
      if (list.length) merged[key] = list;
    } else if (value !== undefined && value !== '') merged[key] = value;
  }

  const result = fileSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const names = keys[key as keyof typeof keys];
      const where = names ? `--${names[0]} (${names[1]})` : key || '(config)';
      return `  ${where}: ${merged[key] === undefined ? 'is required' : i.message}`;
    });
    throw new ConfigError(`Invalid agent configuration:\n${lines.join('\n')}\n${AGENT_USAGE}`);
  }
  const c = result.data;
  const haTiming = leaseTiming({ renewMs: c.leaseRenewMs, timeoutMs: c.leaseTimeoutMs, marginMs: c.leaseMarginMs });
  if ('error' in haTiming)
    throw new ConfigError(
      `Invalid agent configuration:\n  --lease-renew-ms / --lease-timeout-ms / --lease-margin-ms: ${haTiming.error}\n${AGENT_USAGE}`,
    );
  const data = path.resolve(c.data);
  const shared = path.resolve(c.shared);
  const imageStoreDir = path.join(shared, 'image-store');
  return {
    ...c,
    data,
    shared,
    agentUrl: c.agentUrl ?? `http://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`,
    pools: [
      { name: 'local', kind: 'local', path: path.join(data, 'pool') },
      { name: 'shared', kind: 'shared', path: path.join(shared, 'pool') },
    ],
    imagesDir: path.join(shared, 'images'),
    imageStoreDir,
    edacRoot: path.resolve(c.edacRoot),
    haTiming,
    importLocations: {
      dirs: [...new Set([imageStoreDir, ...c.importDirs.map((d) => path.resolve(d))])],
      urlPrefixes: [...new Set(c.importUrlPrefixes.map((u) => normaliseUrlPrefix(u)!))],
    },
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
}
