// `helix config check [file]`: loads a config exactly as the gateway would and prints the effective config (defaults
// filled in, environment references resolved, secrets masked) on stdout, the warnings on stderr. Exit 1 on errors.
import { stringify as toYaml } from 'yaml';
import { ConfigError, configPath, readConfig } from '../lib/config.ts';
import { CONFIG_YAML_OUTPUT } from '../lib/config/yaml.ts';

export const CONFIG_USAGE = `  config check [file]      load a config as the gateway would (default: $HELIX_CONFIG, else the built-in one):
                           print the effective config with secrets masked, and the warnings; exit 1 on errors`;

/** Keys whose values are secrets: api_key, master_key, aws_secret_access_key, x-api-key, fingerprint_secret, … */
const SECRET_KEY = /(^|[_-])(key|secret|password|passwd|token|credentials?)$|^authorization$/i;
/** …but not prices: input_cost_per_token, output_cost_per_token. */
const PRICE_KEY = /_per_token$/i;
const isSecretKey = (key: string) => SECRET_KEY.test(key) && !PRICE_KEY.test(key);
/** The password of `scheme://user:password@host`. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]+)(@)/i;

function maskValue(value: unknown): unknown {
  if (typeof value !== 'string') return value === undefined || value === null ? value : '****';
  // Unresolved references (in settings Helix does not use) show what they refer to.
  if (value === '' || value.startsWith('os.environ/') || value.includes('${')) return value;
  return value.length >= 20 ? `****${value.slice(-4)}` : '****';
}

export function maskSecrets(node: unknown): unknown {
  if (typeof node === 'string') return node.replace(URL_PASSWORD, '$1****$3');
  if (Array.isArray(node)) return node.map(maskSecrets);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isSecretKey(k) ? maskValue(v) : maskSecrets(v)]));
  }
  return node;
}

const asComment = (yaml: string) => yaml.trimEnd().split('\n').map((line) => `#   ${line}`).join('\n');

export function configCommand(args: string[]): number {
  const [sub, ...files] = args;
  if (sub !== 'check' || files.length > 1 || files[0]?.startsWith('-')) {
    console.error(`usage: helix config check [file]\n\n${CONFIG_USAGE}`);
    return 1;
  }
  let loaded: ReturnType<typeof readConfig>;
  try {
    loaded = readConfig(files[0] ?? configPath());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  }
  const { config, warnings, source } = loaded;
  const { env, ...file } = config;
  const { masterKey, redisUrl, clickhouseUrl, ...where } = env;
  const runtime = { ...where, redisUrl, clickhouseUrl, masterKey: masterKey === undefined ? '(not set)' : maskValue(masterKey) };
  const shown = source === 'built-in config' ? 'the built-in config (HELIX_CONFIG is not set)' : source;
  process.stdout.write(`# effective config of ${shown}: defaults filled in, secrets masked\n${toYaml(maskSecrets(file), CONFIG_YAML_OUTPUT)}`);
  process.stdout.write(`# from the environment (HELIX_* variables):\n${asComment(toYaml(maskSecrets(runtime)))}\n`);
  for (const w of warnings) console.error(`warning: ${w.message}`);
  console.error(`${source}: ok${warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? 's' : ''}` : ''}`);
  return 0;
}
