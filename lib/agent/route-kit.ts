// What the agent's route modules share (routes.ts and the feature routes.ts files): their
// dependencies, the VM id parameter and the answer shapes. Kept apart from routes.ts so the
// feature routes never import the module that imports them.
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import type { PoolConfig } from './config';
import type { Driver } from './driver/types';
import type { HaService } from './ha/ha-service';
import type { ImageService } from './images/import';
import type { Operations } from './operations';
import { vmIdSchema, type AgentInfo } from '@/lib/agent-protocol/core';
import type { RouteContext } from './router';
import type { VmService } from './vms';

export type AgentRouteDeps = {
  info: () => Promise<AgentInfo>;
  vms: VmService;
  images: ImageService;
  operations: Operations;
  driver: Driver;
  ha: HaService;
  pools: PoolConfig[];
  dirs: { data: string; images: string }; // never a backup repository (backup/repository.ts)
  log: (msg: string) => void;
};

export const vmId = (ctx: RouteContext) => parseInput(z.object({ id: vmIdSchema }), ctx.params).id;
export const ok = (body: unknown) => ({ status: 200, body });
export const accepted = (body: unknown) => ({ status: 202, body });
