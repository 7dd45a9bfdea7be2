// The production build (tsconfig.build.json, what the Docker image runs): compiled to JavaScript, then the gateway,
// the consumers and the CLI run from it with plain node — no tsx — against the test run's Kafka and Redis.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { freePort } from '../../stack/ports.ts';
import { repoRoot } from '../../lib/paths.ts';
import { waitFor } from '../helpers/processes.ts';
import { readEvents } from '../helpers/kafka.ts';
import { compileToTemp, plainEnv, spawnCompiled, type CompiledBuild, type CompiledProcess } from '../helpers/compiled.ts';

const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '').split(',');

/** What the kernel says a process was started with: its command line and its NODE_OPTIONS. */
function launchedWith(pid: number): { argv: string[]; nodeOptions: string } {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return { argv, nodeOptions: environ.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '' };
}

describe('compiled JavaScript (npm run build)', () => {
  let build: CompiledBuild | undefined;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let gatewayUrl: string;
  let gateway: CompiledProcess | undefined;
  let consumers: CompiledProcess | undefined;

  before(async () => {
    build = compileToTemp();
    console.log(`compiled in ${(build.buildMs / 1000).toFixed(1)} s`);
    dir = mkdtempSync(join(tmpdir(), 'helix-compiled-'));
    const [port, queryPort] = [await freePort(), await freePort()];
    gatewayUrl = `http://127.0.0.1:${port}`;
    const queryUrl = `http://127.0.0.1:${queryPort}`;
    const prefix = `t${randomBytes(4).toString('hex')}.`;
    env = { HELIX_TOPIC_PREFIX: prefix, HELIX_DATA_DIR: dir, HELIX_PORT: String(port), HELIX_QUERY_PORT: String(queryPort), HELIX_QUERY_URL: queryUrl, HELIX_MASTER_KEY: 'sk-helix-test-master' };
    consumers = spawnCompiled(build.out, 'consumers/main.js', env, join(dir, 'consumers.log'));
    gateway = spawnCompiled(build.out, 'gateway/main.js', env, join(dir, 'gateway.log'));
    await waitFor('compiled gateway', async () => (await fetch(`${gatewayUrl}/health/live`)).ok, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${gateway!.log()}`);
    });
    await waitFor('compiled consumers', async () => (await fetch(`${env.HELIX_QUERY_URL}/ping`)).ok, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${consumers!.log()}`);
    });
  });

  after(async () => {
    await Promise.all([gateway?.stop(), consumers?.stop()]);
    build?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the gateway and the consumers with plain node: no tsx on their command lines or in NODE_OPTIONS', () => {
    for (const [name, running, entry] of [['gateway', gateway!, 'gateway/main.js'], ['consumers', consumers!, 'consumers/main.js']] as const) {
      const { argv, nodeOptions } = launchedWith(running.child.pid!);
      assert.deepEqual(argv, [process.execPath, join(build!.out, entry)], `${name} command line`);
      assert.doesNotMatch(nodeOptions, /tsx/, `${name} NODE_OPTIONS`);
    }
  });

  it('is ready, with the embedding workers (plain JavaScript workers) loaded', async () => {
    const body = await waitFor(
      'semantic cache ready',
      async () => {
        const r = (await (await fetch(`${gatewayUrl}/health/ready`)).json()) as { status: string; components: Record<string, { status: string; semantic?: string }> };
        return r.components.cache?.semantic === 'loading' ? undefined : r;
      },
      60_000,
      250,
    );
    assert.equal(body.status, 'ready');
    assert.equal(body.components.kafka?.status, 'up');
    assert.equal(body.components.redis?.status, 'up');
    assert.equal(body.components.cache?.semantic, 'ready', gateway!.log());
  });

  it('answers a chat completion through the official client; its events reach Kafka and ClickHouse', async () => {
    const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: env.HELIX_MASTER_KEY, maxRetries: 0 });
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello from the compiled gateway' }] })
      .withResponse();
    assert.equal(response.status, 200);
    assert.equal(completion.choices[0]?.message.content, 'hello from the compiled gateway');
    const requestId = response.headers.get('x-request-id')!;

    const events = await readEvents(brokers, env.HELIX_TOPIC_PREFIX!, ['requests', 'responses'], (evs) => evs.filter((e) => e.value.request_id === requestId).length >= 2);
    assert.deepEqual(events.filter((e) => e.value.request_id === requestId).map((e) => e.value.type).sort(), ['request', 'response']);

    // The compiled CLI, reading what the compiled consumers' sink wrote (after applying the migrations from dist).
    const sql = `SELECT request_id, status FROM helix.responses WHERE request_id = '${requestId}'`;
    const rows = await waitFor(
      'the response in ClickHouse',
      async () => {
        const { stdout } = await promisify(execFile)(process.execPath, [join(build!.out, 'cli/helix.js'), 'sql', sql, '--json'], { cwd: repoRoot, env: plainEnv(env) });
        const parsed = JSON.parse(stdout) as Array<{ request_id: string; status: string }>;
        return parsed.length > 0 ? parsed : undefined;
      },
      30_000,
      500,
    );
    assert.deepEqual(rows, [{ request_id: requestId, status: 'ok' }]);
  });
});
