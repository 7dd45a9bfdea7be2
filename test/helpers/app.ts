// In-process gateway for route-level tests: the real fastify app and router with a recording event sink.
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { buildApp, createRouter } from '../../gateway/app.ts';
import type { HelixEvent } from '../../schemas/events.ts';

export interface TestGateway {
  app: FastifyInstance;
  events: HelixEvent[];
  config: HelixConfig;
}

export async function testGateway(yaml = '', env: NodeJS.ProcessEnv = {}): Promise<TestGateway> {
  const file = parseConfig(yaml ? parse(yaml) : { model_list: [{ model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } }] }, { ...process.env, ...env });
  const config: HelixConfig = { ...file, env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test', ...env }) };
  const events: HelixEvent[] = [];
  const app = await buildApp({
    config,
    events: { emit: (e) => events.push(e) },
    router: createRouter(config),
    health: { shuttingDown: () => false, components: async () => ({}) },
  });
  return { app, events, config };
}
