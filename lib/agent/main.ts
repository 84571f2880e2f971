// Agent process entry: `tsx lib/agent/main.ts --name h1 --port 7101 --data <dir> --shared <dir>
// --dashboard <url> [...]` (see AGENT_USAGE). SIGTERM/SIGINT stop the agent, never the VMs.
import { startAgent, type RunningAgent } from './agent';
import { ConfigError, parseAgentConfig } from './config';
import { createLogger } from './log';

async function main(): Promise<void> {
  let config;
  try {
    config = parseAgentConfig(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const log = createLogger(`vmops:agent:${config.name}`);
  let agent: RunningAgent | null = null;
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: shutting down`);
    await agent?.close().catch((err: Error) => log(`error while stopping: ${err.message}`));
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));

  try {
    agent = await startAgent(config, { log });
    await agent.enrolled;
  } catch (err) {
    log(`fatal: ${(err as Error).message}`);
    await stop('start failed', 1);
  }
}

void main();
