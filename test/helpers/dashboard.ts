// A dashboard under test: a real gateway and consumers with generated traffic (every call landed in ClickHouse), the
// UI built, and Debian's Chromium driven by playwright-core, with console errors collected. Each page's test file
// opens one, signs in and checks its page against `helix sql`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../lib/paths.ts';
import { buildUi } from '../../stack/build-ui.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../../stack/chromium.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from './processes.ts';
import { createKey, mixedCalls, runCalls, testModelList, writeConfig, type ChatCall, type TrafficKey } from './traffic.ts';

export const MASTER = 'sk-helix-test-master';
export const SCREENSHOTS = join(repoRoot, 'docs/screenshots');

export interface Dashboard {
  p: Pipeline;
  browser: Browser;
  page: Page;
  /** Virtual keys of teams alpha and beta, which sent the traffic. */
  keys: TrafficKey[];
  /** How many requests the traffic sent (each one a row in the views). */
  sent: number;
  consoleErrors: string[];
  signIn(key?: string): Promise<void>;
  /** Opens a page from the nav and waits for its `[data-testid=<id>]`. */
  open(id: string): Promise<void>;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface DashboardOptions {
  /** More helix_settings for the gateway's config (the dashboard section is set). */
  helixSettings?: Record<string, unknown>;
  /** The traffic; default: `mixedCalls(keys, 6)`. */
  calls?: (keys: TrafficKey[]) => Array<{ apiKey: string; call: ChatCall }>;
  /** Extra environment of the gateway and consumers. */
  env?: NodeJS.ProcessEnv;
}

export async function openDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  await buildUi();
  const executablePath = ensureChromium();
  const dir = mkdtempSync(join(tmpdir(), 'helix-ui-'));
  // A response cache of its own: entries other test files left in the shared Redis would turn this traffic into hits.
  const run = randomBytes(4).toString('hex');
  const cache = { redis_prefix: `helix:cache:ui${run}:`, redis_index: `helix:semantic:index:ui${run}` };
  const config = writeConfig(dir, { model_list: testModelList(), helix_settings: { semantic_cache: cache, ...opts.helixSettings, dashboard: { enabled: true, refresh_interval: 2 } } });
  const p = await startPipeline({ HELIX_CONFIG: config, ...opts.env });
  const keys = [await createKey(p.gatewayUrl, MASTER, { team_id: 'alpha' }), await createKey(p.gatewayUrl, MASTER, { team_id: 'beta' })];
  const calls = (opts.calls ?? ((k) => mixedCalls(k, 6)))(keys);
  await runCalls(p.gatewayUrl, calls);
  const sent = calls.length;
  // Every call, answered or failed, is one request in the views once the sink has caught up.
  await waitFor('the traffic in ClickHouse', async () => Number((await helixSql<{ n: string }>(p.env, 'SELECT sum(requests) AS n FROM helix.v_usage_1m'))[0]?.n) === sent, 60_000, 500);
  // launch() gives the browser a fresh temporary profile of its own, deleted on close.
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    p,
    browser,
    page,
    keys,
    sent,
    consoleErrors,
    async signIn(key = MASTER) {
      await page.goto(`${p.gatewayUrl}/ui/`);
      await page.fill('input[name=key]', key);
      await page.click('button[type=submit]');
    },
    async open(id) {
      await page.click(`nav a[href="#/${id}"]`);
      await page.waitForSelector(`[data-testid=${id}]`);
    },
    async screenshot(name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await p.stop();
    },
  };
}
