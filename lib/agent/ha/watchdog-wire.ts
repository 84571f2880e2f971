// Where the fence watchdog lives and what the agent tells it (fence-watchdog.ts): newline-
// delimited JSON over a unix socket in <data>/ha/. The deadline is CLOCK_MONOTONIC in ns as a
// decimal string (process.hrtime.bigint(): one clock for every process on the host).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { vmIdSchema } from '@/lib/agent-protocol/core';

export const feedSchema = z
  .object({
    deadlineNs: z.string().regex(/^\d{1,20}$/),
    vms: z.array(z.object({ id: vmIdSchema, pid: z.number().int().positive() }).strict()).max(4096),
  })
  .strict();
export type WatchdogFeed = z.infer<typeof feedSchema>;
export type GuardedVm = WatchdogFeed['vms'][number];

// sockaddr_un holds 108 bytes: a deep data dir puts the socket in a short directory derived from it.
export function watchdogPaths(dataDir: string) {
  const dir = path.join(dataDir, 'ha');
  let socket = path.join(dir, 'watchdog.sock');
  if (socket.length > 100)
    socket = path.join(
      os.tmpdir(),
      'vmops-sockets',
      createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16),
      'watchdog.sock',
    );
  return {
    dir,
    socket,
    pidFile: path.join(dir, 'watchdog.pid'),
    log: path.join(dir, 'watchdog.log'),
    fenced: path.join(dir, 'fenced.json'),
  };
}

// What the watchdog fenced (fenced.json). It is written whole (temp file + rename), so a reader
// sees either nothing or the complete record.
export const fencedRecordSchema = z.object({
  at: z.string(),
  lateMs: z.number(),
  killed: z.array(z.object({ id: z.string(), pid: z.number() })),
});
export type FencedRecord = z.infer<typeof fencedRecordSchema>;

export function readFencedRecord(dataDir: string): FencedRecord | null {
  const file = watchdogPaths(dataDir).fenced;
  return existsSync(file) ? fencedRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : null;
}
