// One host's agent services and API router, without the process around them (HTTP server,
// enrollment, heartbeats): startAgent wires one with HA started; the fleet simulator
// (scripts/fleet) wires many in one process and leaves HA unstarted (no lease, no observer).
import { createAuth } from './auth';
import type { AgentConfig } from './config';
import type { Driver } from './driver/types';
import { createHaService } from './ha/ha-service';
import { createInfoProvider } from './host-info';
import { createImageService } from './images/import';
import type { Logger } from './log';
import { Operations } from './operations';
import { buildAgentRouter } from './routes';
import { createVmService } from './vms';

export function composeAgent(config: AgentConfig, driver: Driver, log: Logger) {
  const info = createInfoProvider(config.name, config.site, driver, config.pools);
  const operations = new Operations(log.child('ops'));
  const vms = createVmService({
    driver,
    pools: config.pools,
    hostName: config.name,
    operations,
    log: log.child('vms'),
  });
  const images = createImageService({
    imagesDir: config.imagesDir,
    locations: config.importLocations,
    driver,
    operations,
    log: log.child('images'),
  });
  const auth = createAuth(config.name);
  // Lease, observer, start guard, fencing: running only once the caller calls ha.start().
  const ha = createHaService({
    host: config.name,
    data: config.data,
    shared: config.shared,
    pools: config.pools,
    timing: config.haTiming,
    edacRoot: config.edacRoot,
    driver,
    operations,
    log: log.child('ha'),
  });
  const router = buildAgentRouter({
    info,
    vms,
    images,
    operations,
    driver,
    ha,
    pools: config.pools,
    dirs: { data: config.data, images: config.imagesDir },
    log: log.child('jobs'),
  });
  return { info, auth, ha, router };
}
