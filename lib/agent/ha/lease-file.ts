// The lease file on shared storage: <shared>/ha/leases/<host>.lease, written only by its owner
// (tmp in the same dir, fdatasync, rename, dir fsync: a reader sees the old or the new record,
// never half of one, and a renewal that returned is on disk).
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { leaseRecordSchema, type LeaseRecord } from '@/lib/agent-protocol/ha';

export const LEASE_SUFFIX = '.lease';
export const leasesDir = (shared: string) => path.join(shared, 'ha', 'leases');
export const leaseFile = (shared: string, host: string) => path.join(leasesDir(shared), `${host}${LEASE_SUFFIX}`);

export async function writeLease(file: string, record: LeaseRecord): Promise<void> {
  const tmp = `${file}.tmp`; // one writer per host, one write in flight: a fixed name is enough
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(`${JSON.stringify(record)}\n`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

// null: no such file; throws on other read errors; a record that does not parse is 'invalid'.
export async function readLease(file: string): Promise<LeaseRecord | 'invalid' | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const parsed = leaseRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'invalid';
  } catch {
    return 'invalid';
  }
}
