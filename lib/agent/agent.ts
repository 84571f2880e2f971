// Wires one agent: driver -> re-attach -> HTTP server (answers 503 until enrolled) -> enrollment
// -> heartbeats. Separate from main.ts so tests can run an agent in-process.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { composeAgent } from './compose';
import { createConsoleSockets } from './console/console-socket';
import type { AgentConfig } from './config';
import { selectDriver } from './driver/select';
import type { Driver } from './driver/types';
import { loadOrEnroll } from './enroll';
import { ensurePools } from './host-info';
import { createLogger, type Logger } from './log';
import { createSampler, heartbeatPusher } from './metrics/sampler';
import type { Router } from './router';
import { closeServer, createAgentServer, listen } from './server';

export type RunningAgent = {
  server: Server;
  router: Router;
  port: number;
  driver: Driver;
  log: Logger;
  enrolled: Promise<{ hostId: string }>; // rejects if the dashboard refuses the token
  close(): Promise<void>; // leaves VMs running
};

export async function startAgent(
  config: AgentConfig,
  deps: { driver?: Driver; log?: Logger } = {},
): Promise<RunningAgent> {
  const log = deps.log ?? createLogger(`vmops:agent:${config.name}`);
  await mkdir(config.data, { recursive: true });
  await ensurePools(config.pools);
  await mkdir(config.imagesDir, { recursive: true });
  await mkdir(config.imageStoreDir, { recursive: true });

  const driver =
    deps.driver ??
    (await selectDriver({
      requested: config.driver,
      pools: config.pools,
      qemuBinary: config.qemuBinary,
      hostName: config.name,
      log: log.child(`driver`),
    }));
  await driver.reattach();
  const adopted = await driver.listVms();
  log(
    `driver ${driver.kind}: ${adopted.length} VM(s) known after re-attach (${adopted.filter((v) => v.state === 'running').length} running)`,
  );

  const { info, auth, ha, router } = composeAgent(config, driver, log);
  // HA once the pools exist and the driver knows its VMs: lease, observer, start guard, fencing.
  ha.start();
  const consoleSockets = createConsoleSockets({ driver, log: log.child('console') });
  const server = createAgentServer({ router, auth, log: log.child('http'), upgrade: consoleSockets.upgrade });
  await listen(server, config.port, config.host).catch((err: unknown) => {
    ha.stop();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  log(`listening on http://${config.host}:${port} (agent URL ${config.agentUrl}, pid ${process.pid})`);

  const abort = new AbortController();
  let sampler: ReturnType<typeof createSampler> | null = null;
  const enrolled = loadOrEnroll({
    dataDir: config.data,
    dashboard: config.dashboard,
    token: config.enrollToken,
    name: config.name,
    agentUrl: config.agentUrl,
    info,
    log: log.child('enroll'),
    signal: abort.signal,
  }).then(async (creds) => {
    auth.setSecret(creds.dashboardSecret); // what the dashboard presents to us
    if (abort.signal.aborted) return { hostId: creds.hostId };
    sampler = createSampler({
      driver,
      info,
      push: heartbeatPusher(config.dashboard, creds.agentToken),
      intervalMs: config.intervalMs,
      log: log.child('metrics'),
    });
    await sampler.start();
    log(`ready: host ${creds.hostId}, heartbeat every ${config.intervalMs} ms to ${config.dashboard}`);
    return { hostId: creds.hostId };
  });

  return {
    server,
    router,
    port,
    driver,
    log,
    enrolled,
    async close() {
      abort.abort();
      await enrolled.catch(() => {}); // let an in-flight enrollment settle before tearing down
      sampler?.stop();
      ha.stop(); // the fence watchdog stays armed: a stopped agent loses its lease like a dead one
      await consoleSockets.close(); // upgraded sockets are not the HTTP server's to close
      await closeServer(server);
      await driver.close(); // disconnects from QEMU; VMs keep running
      log('stopped (VMs left running)');
    },
  };
}
