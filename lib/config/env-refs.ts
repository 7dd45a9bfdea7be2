// Environment variables in config values: LiteLLM's `os.environ/NAME` (the whole value) and the shell / Docker
// Compose forms inside any string: `${NAME}`, `${NAME:-default}` (unset or empty), `${NAME-default}` (unset),
// `${NAME:?message}` / `${NAME?message}` (required), `$${` for a literal `${`. Keys are never interpolated.
// A reference that cannot be resolved is not thrown here: the loader decides, because a reference in a setting
// Helix does not use need not be set (docs/config.md).

export interface UnresolvedRef {
  path: string;
  message: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const REF = new RegExp(`\\$\\$\\{|\\$\\{(?:(${NAME})(?:(:?[-?])([^}]*))?)?([^}]*)\\}`, 'g');
const OS_ENVIRON = /^os\.environ\/(.+)$/;

type Resolved = { ok: true; value: string } | { ok: false; message: string };

function resolveString(text: string, env: NodeJS.ProcessEnv): Resolved {
  const whole = OS_ENVIRON.exec(text);
  if (whole) {
    const value = env[whole[1]!];
    return value === undefined ? { ok: false, message: `environment variable ${whole[1]} is not set` } : { ok: true, value };
  }
  if (!text.includes('${')) return { ok: true, value: text };
  let failure: string | undefined;
  const value = text.replace(REF, (match, name: string | undefined, op: string | undefined, arg: string | undefined, junk: string) => {
    if (match === '$${') return '${';
    if (!name || junk) {
      failure ??= `"${match}" is not a variable reference (\${NAME}, \${NAME:-default}; $\${ for a literal \${)`;
      return match;
    }
    const set = env[name];
    const missing = op?.startsWith(':') ? !set : set === undefined;
    if (!missing) return set!;
    if (op === ':-' || op === '-') return arg!;
    failure ??= op?.endsWith('?') && arg ? `${name}: ${arg}` : `environment variable ${name} is not set (\${${name}:-default} gives a default)`;
    return match;
  });
  return failure === undefined ? { ok: true, value } : { ok: false, message: failure };
}

/** The tree with every string value resolved; unresolvable ones stay as written and are listed with their paths. */
export function resolveEnvRefs(root: unknown, env: NodeJS.ProcessEnv): { tree: unknown; unresolved: UnresolvedRef[] } {
  const unresolved: UnresolvedRef[] = [];
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const r = resolveString(node, env);
      if (r.ok) return r.value;
      unresolved.push({ path, message: r.message });
      return node;
    }
    if (Array.isArray(node)) return node.map((v, i) => visit(v, `${path}[${i}]`));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, path ? `${path}.${k}` : k)]));
    }
    return node;
  };
  return { tree: visit(root, ''), unresolved };
}

/**
 * The environment a file's references resolve in: the process environment, then the file's LiteLLM
 * `environment_variables` section for what the process does not set (its values may refer to the process
 * environment). As in LiteLLM, the process environment wins.
 */
export function withFileVariables(root: unknown, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const section = (root as { environment_variables?: unknown } | null)?.environment_variables;
  if (!section || typeof section !== 'object' || Array.isArray(section)) return env;
  const { tree, unresolved } = resolveEnvRefs(section, env);
  const unset = new Set(unresolved.map((u) => u.path));
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(tree as Record<string, unknown>)) {
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (merged[name] === undefined && scalar && !unset.has(name)) merged[name] = String(value);
  }
  return merged;
}
