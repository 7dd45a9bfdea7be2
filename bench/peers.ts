// Helix against its peers, one run: the same mock upstream (bench/servers/mock-upstream.ts) behind, one at a time, a
// bare fastify+undici pass-through, Helix's full path (PII on, cache off, Kafka and the consumers running), Portkey's
// open-source gateway and LiteLLM's proxy; each checked to answer a chat completion, then driven with the same load
// and body. Prints req/s, p50/p99, errors, each gateway process's CPU per request and the ratio to bare.
// Portkey (npm) and LiteLLM (PyPI, a virtualenv) are installed into .cache/peers/ on first use (bench/peers/install.ts);
// a peer that fails to install or start gets its reason in its row and the run goes on.
// Usage: npx tsx bench/peers.ts [--connections 50] [--duration 10] [--only bare,helix,portkey,litellm] [--markdown]
//   --markdown  prints the table as markdown with the machine line (the README's benchmark section).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from '../stack/process.ts';
import { fmt, load, startServer, table, withCpu, type LoadResult, type Server } from './lib.ts';
import type { Installed } from './peers/install.ts';
import { TARGETS, type Running, type Target } from './peers/targets.ts';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '10' }, only: { type: 'string' }, markdown: { type: 'boolean', default: false } },
});
const connections = Number(values.connections);
const seconds = Number(values.duration);
if (!Number.isInteger(connections) || connections < 1 || !(seconds > 0)) fail('--connections must be a positive integer and --duration a positive number of seconds');
const names = values.only?.split(',').map((n) => n.trim()) ?? TARGETS.map((t) => t.name);
for (const n of names) if (!TARGETS.some((t) => t.name === n)) fail(`unknown peer "${n}"; known: ${TARGETS.map((t) => t.name).join(', ')}`);
const targets = TARGETS.filter((t) => names.includes(t.name));
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] });
const START_TIMEOUT_MS = 180_000;
/** Load before the timed run, long enough for the JIT-compiled gateways to settle on their fast paths. */
const WARM_UP_S = 5;

function fail(message: string): never {
  console.error(`peers: ${message}`);
  process.exit(2);
}

type Measured = LoadResult & { cpuUsPerReq: Record<string, number> };
type Outcome = { target: Target; result?: Measured; failure?: string };

/** Why the gateway did not answer the body with the upstream's chat completion; undefined when it did. */
async function wrongAnswer(run: Running): Promise<string | undefined> {
  const res = await fetch(run.url, { method: 'POST', headers: { 'content-type': 'application/json', ...run.headers }, body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (res.status !== 200) return `HTTP ${res.status}: ${text.slice(0, 160)}`;
  try {
    const json = JSON.parse(text) as { object?: string; choices?: Array<{ message?: { content?: unknown } }> };
    const content = json.choices?.[0]?.message?.content;
    if (json.object === 'chat.completion' && typeof content === 'string' && content.includes('benchmark upstream')) return undefined;
  } catch {
    // reported below
  }
  return `not the upstream's chat completion: ${text.slice(0, 160)}`;
}

/** Waits for the gateway to listen, then for a correct answer: a few wrong ones in a row end the wait. */
async function untilAnswering(run: Running): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let why = 'no answer';
  for (let wrong = 0; wrong < 10 && Date.now() < deadline; await sleep(500)) {
    if (!run.alive()) throw new Error(`it exited (${why})`);
    try {
      const answer = await wrongAnswer(run);
      if (answer === undefined) return;
      [why, wrong] = [answer, wrong + 1];
    } catch (err) {
      why = (err as Error).message; // not listening yet
    }
  }
  throw new Error(why);
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 200);

const loadAtStart = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'helix-peers-'));
let upstream: Server | undefined;
let current: Running | undefined;
let stopping: Promise<void> | undefined;
const shutdown = async () => {
  stopping ??= (async () => {
    await current?.stop().catch(() => undefined);
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  })();
  return stopping;
};
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.on(signal, () => void shutdown().finally(() => process.exit(code)));
// Last resort when the run dies: the servers it started directly (services have their own exit hooks).
process.on('exit', () => {
  for (const pid of [upstream?.child.exitCode === null ? upstream.child.pid : undefined, current?.pids.server, current?.pids.consumers]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const outcomes: Outcome[] = [];
const installs: string[] = [];
try {
  // Installs first, so none runs while another gateway is being timed.
  const installed = new Map<Target, Installed | Error>();
  for (const t of targets) {
    if (!t.install) continue;
    const got = await t.install().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    installed.set(t, got);
    installs.push(got instanceof Error ? `${t.name} install failed` : `${t.name} ${got.seconds === undefined ? 'already installed' : `installed in ${fmt(got.seconds)} s`}`);
  }
  upstream = await startServer('bench/servers/mock-upstream.ts');
  for (const target of targets) {
    const inst = installed.get(target);
    if (inst instanceof Error) {
      console.error(`peers: ${inst.message}`);
      outcomes.push({ target, failure: `install failed: ${oneLine(inst.message)}` });
      continue;
    }
    try {
      current = await target.start({ upstream: upstream.url, dir, installed: inst });
      const run = current;
      await untilAnswering(run);
      await load(run.url, body, connections, WARM_UP_S, run.headers);
      const result = await withCpu(run.pids, () => load(run.url, body, connections, seconds, run.headers));
      outcomes.push({ target, result });
    } catch (err) {
      const log = current?.logTail().trim();
      console.error(`peers: ${target.name} did not start or answer: ${(err as Error).message}${log ? `\n--- end of its log ---\n${log}` : ''}`);
      outcomes.push({ target, failure: `did not start or answer: ${oneLine((err as Error).message)}` });
    } finally {
      await current?.stop();
      current = undefined;
    }
  }
} finally {
  await shutdown();
}

const bareRps = outcomes.find((o) => o.target.name === 'bare')?.result?.rps;
const rows = outcomes.map(({ target, result: r, failure }) => {
  const helpers = r ? Object.entries(r.cpuUsPerReq).filter(([k]) => k !== 'server') : [];
  return {
    peer: target.name,
    version: target.version,
    'req/s': r ? fmt(r.rps, 0) : '-',
    'p50 ms': r ? fmt(r.p50, 1) : '-',
    'p99 ms': r ? fmt(r.p99, 1) : '-',
    errors: r ? String(r.errors + r.non2xx) : '-',
    'CPU µs/req': r ? fmt(r.cpuUsPerReq.server!, 0) : '-',
    'helpers µs/req': helpers.length ? helpers.map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ') : '-',
    'vs bare': r && bareRps ? `${(r.rps / bareRps).toPrecision(2)}×` : '-',
    ...(outcomes.some((o) => o.failure) ? { note: failure ?? '' } : {}),
  };
});

const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
const machine = `${availableParallelism()} cores (nproc), ${cpuModel}, 1-min load average ${fmt(loadAtStart, 1)} at the start and ${fmt(loadavg()[0]!, 1)} at the end; ${new Date().toISOString().slice(0, 10)}; Node ${process.version}`;
const heading = `Peers behind the same mock upstream on loopback: ${connections} connections × ${seconds} s each, the same body; the load generator and every server share the machine`;
if (installs.length) console.error(`peers: ${installs.join(', ')}`);
if (values.markdown) {
  const cols = Object.keys(rows[0] ?? {});
  console.log(`${heading}.\n\n| ${cols.join(' | ')} |\n|${cols.map(() => ' --- ').join('|')}|\n${rows.map((r) => `| ${cols.map((c) => String(r[c as keyof typeof r]).replace(/\|/g, '\\|')).join(' | ')} |`).join('\n')}\n\nMachine: ${machine}.`);
} else {
  console.log(`\n${heading}\nmachine: ${machine}\n\n${table(rows)}`);
  if (rows.some((r) => r['helpers µs/req'] !== '-')) console.log('\nCPU µs/req: the gateway process only; helpers: the processes only Helix needs (its Kafka, Redis and consumers).');
}
process.exit(outcomes.some((o) => o.failure) ? 1 : 0);
