// docker-compose.yml cannot run here (no Docker engine), so it is validated with Debian's docker-compose and its
// wiring is checked against what the local stack and the code actually use.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV_VARS } from '../../lib/config.ts';
import { repoRoot } from '../../lib/paths.ts';
import { NGINX_TEMPLATE, renderNginxTemplate, type TemplateVars } from '../../stack/nginx.ts';

function ensureDockerCompose(): void {
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('docker-compose is missing; install Debian package docker-compose');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'docker-compose'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { source: string; target: string }>;
  depends_on?: Record<string, unknown>;
  image?: string;
}

const KAFKA_NODES = ['kafka-1', 'kafka-2', 'kafka-3'];

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;
  before(() => {
    ensureDockerCompose();
    const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: repoRoot, env: { ...process.env, HELIX_MASTER_KEY: 'sk-compose-check' } }).toString();
    services = (parse(out) as { services: Record<string, ComposeService> }).services;
  });

  it('is valid and runs the whole production stack', () => {
    assert.deepEqual(Object.keys(services).sort(), ['clickhouse', 'consumers', 'gateway', 'grafana', ...KAFKA_NODES, 'nginx', 'redis']);
  });

  it('refuses to start without a master key', () => {
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: repoRoot, env: { ...process.env, HELIX_MASTER_KEY: '' } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.toString(), /HELIX_MASTER_KEY/);
  });

  it('wires gateway and consumers with the variables the code reads, to the compose services', () => {
    for (const name of ['gateway', 'consumers']) {
      const svc = services[name]!;
      const env = svc.environment ?? {};
      for (const key of Object.keys(env).filter((k) => k.startsWith('HELIX_') || k === 'CLICKHOUSE_URL')) {
        assert.ok((ENV_VARS as readonly string[]).includes(key), `${name}: ${key} is not read by Helix`);
      }
      assert.equal(env.HELIX_KAFKA_BROKERS, KAFKA_NODES.map((n) => `${n}:9092`).join(','));
      assert.equal(env.HELIX_REDIS_URL, 'redis://redis:6379');
      assert.equal(env.CLICKHOUSE_URL, 'http://clickhouse:8123');
      // The image runs the build's JavaScript: dist/<entry>.js, compiled from <entry>.ts.
      const entry = svc.command?.at(-1);
      assert.deepEqual(svc.command?.slice(0, -1), ['node'], `${name}: plain node, no loader`);
      const source = entry?.match(/^dist\/(.+)\.js$/)?.[1];
      assert.ok(source && existsSync(join(repoRoot, `${source}.ts`)), `${name}: entry point ${entry} is the build of a source file`);
      assert.ok(svc.depends_on && KAFKA_NODES.every((n) => n in svc.depends_on!) && 'redis' in svc.depends_on);
    }
  });

  it('fronts the gateway with nginx: TLS on 443 from the template the load command runs, streams unbuffered', () => {
    const nginx = services.nginx!;
    const mounts = new Map((nginx.volumes ?? []).map((v) => (typeof v === 'string' ? [v.split(':')[1], v.split(':')[0]] : [v.target, v.source])));
    assert.equal(mounts.get('/etc/nginx/templates/helix.conf.template'), NGINX_TEMPLATE);
    assert.ok(mounts.has('/etc/nginx/certs'), 'certificates are mounted');
    const conf = renderNginxTemplate(nginx.environment as TemplateVars);
    assert.match(conf, /listen 443 ssl;/);
    assert.match(conf, /ssl_certificate \/etc\/nginx\/certs\/cert\.pem;/);
    assert.ok(conf.includes(`server gateway:${services.gateway!.environment?.HELIX_PORT};`), 'the upstream is the gateway service on its port');
    assert.match(conf, /proxy_buffering off;/);
    assert.ok(nginx.depends_on && 'gateway' in nginx.depends_on);
  });

  it('runs Kafka as a 3-node KRaft quorum, topics with 3 replicas and 2 in sync for a write', () => {
    const envs = KAFKA_NODES.map((n) => services[n]!.environment ?? {});
    const voters = KAFKA_NODES.map((n, i) => `${i + 1}@${n}:9093`).join(',');
    envs.forEach((env, i) => {
      assert.equal(String(env.KAFKA_NODE_ID), String(i + 1));
      assert.equal(env.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://${KAFKA_NODES[i]}:9092`);
      assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, voters);
      assert.equal(env.CLUSTER_ID, envs[0]!.CLUSTER_ID, 'one cluster id for all nodes');
      assert.deepEqual([env.KAFKA_DEFAULT_REPLICATION_FACTOR, env.KAFKA_MIN_INSYNC_REPLICAS, env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR].map(String), ['3', '2', '3']);
    });
    assert.equal(new Set(KAFKA_NODES.map((n) => services[n]!.volumes?.[0])).size, 3, 'each node keeps its own data');
    const helixEnv = services.gateway!.environment ?? {};
    assert.deepEqual([helixEnv.HELIX_KAFKA_REPLICATION_FACTOR, helixEnv.HELIX_KAFKA_MIN_INSYNC_REPLICAS], ['3', '2']);
  });

  it("builds the dashboard into the image: the build stage has ui/ and its bundler, the image serves dist-ui/", () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY (--from=build )?(\S+) (\S+)$/gm)].map((m) => `${m[1] ? 'build:' : ''}${m[2]}`);
    for (const source of ['ui', 'stack/build-ui.ts', 'build:/app/dist-ui']) assert.ok(copies.includes(source), `Dockerfile copies ${source}`);
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.build ?? '', /build:ui/);
    assert.match(scripts['build:ui'] ?? '', /stack\/build-ui\.ts/);
  });

  it('provisions Grafana with the ClickHouse datasource the dashboards use', () => {
    const targets = (services.grafana!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    assert.ok(targets.includes('/etc/grafana/provisioning'));
    const ds = parse(readFileSync(join(repoRoot, 'grafana/provisioning/datasources/clickhouse.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string; jsonData: { host: string } }> };
    assert.equal(ds.datasources[0]?.uid, 'helix-clickhouse');
    assert.equal(ds.datasources[0]?.type, 'grafana-clickhouse-datasource');
    assert.equal(ds.datasources[0]?.jsonData.host, 'clickhouse');
  });
});
