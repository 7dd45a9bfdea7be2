// The gateways bench/peers.ts puts in front of the mock upstream, each started on a loopback port and configured the
// same way: one model `bench` routed to the upstream's OpenAI-compatible API, the same client key on every request.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../lib/paths.ts';
import { startServices } from '../../stack/services.ts';
import { freePort } from '../../stack/ports.ts';
import { spawnService, type ServiceProcess } from '../../stack/process.ts';
import { startPipeline } from '../../test/helpers/processes.ts';
import { startServer } from '../lib.ts';
import { installLiteLLM, installPortkey, LITELLM_VERSION, PORTKEY_VERSION, type Installed } from './install.ts';

/** The key every client request carries: the master key of the gateways that take one, the upstream key for Portkey. */
export const CLIENT_KEY = 'sk-bench-peers';

export interface Running {
  url: string;
  headers: Record<string, string>;
  /** CPU is read from these: `server` is the gateway process; the others are processes only it needs. */
  pids: Record<string, number | undefined>;
  stop(): Promise<void>;
  /** False once its server process has exited. */
  alive(): boolean;
  /** The end of its log, to explain a failed start. */
  logTail(): string;
}

export interface Target {
  name: string;
  version: string;
  /** Installs on first use; undefined for what ships with the project. */
  install?: () => Promise<Installed>;
  start(ctx: { upstream: string; dir: string; installed?: Installed }): Promise<Running>;
}

const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** The model list Helix and LiteLLM share (Helix reads LiteLLM's config format). */
function gatewayConfig(upstream: string, extra: Record<string, unknown>): string {
  return stringify({
    model_list: [{ model_name: 'bench', litellm_params: { model: 'openai/bench-model', api_base: `${upstream}/v1`, api_key: 'sk-bench-upstream' } }],
    general_settings: { master_key: CLIENT_KEY },
    ...extra,
  });
}

const bearer = { authorization: `Bearer ${CLIENT_KEY}` };

/** A peer's own server as a service process (own process group, pid file for `stack/down.ts`, log file). */
function spawnPeer(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, dir: string, cmdlineMatch: string): { proc: ServiceProcess; logTail(): string } {
  const logFile = join(dir, `${name}.log`);
  const proc = spawnService({ name: `bench-peers-${name}-${process.pid}`, cmd, args, env: { ...process.env, ...env }, logFile, cmdlineMatch });
  return { proc, logTail: () => readTail(logFile) };
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

const bare: Target = {
  name: 'bare',
  version: `fastify ${rootPackage.dependencies.fastify} + undici ${rootPackage.dependencies.undici}`,
  async start({ upstream }) {
    const server = await startServer('bench/servers/bare-passthrough.ts', { UPSTREAM: upstream });
    return { url: `${server.url}/v1/chat/completions`, headers: bearer, pids: { server: server.child.pid }, stop: server.stop, alive: () => server.child.exitCode === null, logTail: () => '' };
  },
};

// Helix's full path as deployed: the key checked, PII protection on (its default), the two events per request into
// real Kafka and the consumers reading them; the response cache off, since identical bodies would all be hits.
const helix: Target = {
  name: 'helix',
  version: `${rootPackage.version} (tsx)`,
  async start({ upstream, dir }) {
    const services = await startServices({ ports: 'random' });
    try {
      const config = join(dir, 'helix.yaml');
      writeFileSync(config, gatewayConfig(upstream, { helix_settings: { semantic_cache: { enabled: false } } }));
      const pipeline = await startPipeline({ ...services.env, HELIX_CONFIG: config, HELIX_MASTER_KEY: CLIENT_KEY, HELIX_LOG_LEVEL: 'warn', HELIX_TOPIC_PREFIX: 'bench-peers.' });
      return {
        url: `${pipeline.gatewayUrl}/v1/chat/completions`,
        headers: bearer,
        pids: { server: pipeline.gateway.child.pid, consumers: pipeline.consumers.child.pid, kafka: services.kafka.pid, redis: services.redis.pid },
        async stop() {
          await pipeline.stop();
          await services.stop();
          rmSync(pipeline.dir, { recursive: true, force: true });
        },
        alive: () => pipeline.gateway.child.exitCode === null,
        logTail: () => pipeline.gateway.log().slice(-3000),
      };
    } catch (err) {
      await services.stop();
      throw err;
    }
  },
};

// Portkey's server binds every interface and has no option for it: this preload pins it to loopback.
const LOOPBACK_ONLY =
  'data:text/javascript,import net from "node:net";const listen=net.Server.prototype.listen;' +
  'net.Server.prototype.listen=function(...a){if(typeof a[0]==="number"){if(a[1]===undefined||typeof a[1]==="string")a[1]="127.0.0.1";else a.splice(1,0,"127.0.0.1")}return listen.apply(this,a)};';

const portkey: Target = {
  name: 'portkey',
  version: PORTKEY_VERSION,
  install: installPortkey,
  async start({ upstream, dir, installed }) {
    const port = await freePort();
    const entry = join(installed!.dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
    // production + headless: no console UI and no log-streaming endpoints, as it would be deployed.
    const peer = spawnPeer('portkey', process.execPath, ['--import', LOOPBACK_ONLY, entry, `--port=${port}`, '--headless'], { NODE_ENV: 'production' }, dir, entry);
    return {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      // The upstream key goes through as the provider's; the custom host sends the request to the mock upstream.
      headers: { ...bearer, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1` },
      pids: { server: peer.proc.pid },
      stop: () => peer.proc.stop(5_000),
      alive: () => peer.proc.isRunning(),
      logTail: peer.logTail,
    };
  },
};

// One worker (its default): a single process, as every other gateway here is.
const litellm: Target = {
  name: 'litellm',
  version: LITELLM_VERSION,
  install: installLiteLLM,
  async start({ upstream, dir, installed }) {
    const port = await freePort();
    const config = join(dir, 'litellm.yaml');
    writeFileSync(config, gatewayConfig(upstream, {}));
    // The bundled model-price map instead of fetching the latest: no traffic beyond loopback.
    const env = { LITELLM_LOCAL_MODEL_COST_MAP: 'True' };
    const peer = spawnPeer('litellm', join(installed!.dir, 'bin', 'litellm'), ['--config', config, '--host', '127.0.0.1', '--port', String(port)], env, dir, config);
    return { url: `http://127.0.0.1:${port}/v1/chat/completions`, headers: bearer, pids: { server: peer.proc.pid }, stop: () => peer.proc.stop(5_000), alive: () => peer.proc.isRunning(), logTail: peer.logTail };
  },
};

export const TARGETS: Target[] = [bare, helix, portkey, litellm];
