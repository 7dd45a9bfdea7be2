// Reads what `helix import litellm` takes from a LiteLLM proxy's PostgreSQL: virtual keys, teams (and their
// memberships), internal users, end users, tags and the budgets they link to. Columns are read only where the
// database has them (LiteLLM adds columns release by release; an older proxy's database lacks e.g. total_spend or
// the tag table), so one importer serves every schema version. Values come back as plain, typed rows.
import pg from 'pg';

/** A table larger than this is refused rather than read into memory (a LiteLLM deployment has far fewer rows). */
export const MAX_ROWS_PER_TABLE = 500_000;

export interface LiteLLMBudget {
  budget_id: string;
  max_budget?: number | undefined;
  budget_duration?: string | undefined;
  rpm_limit?: number | undefined;
  tpm_limit?: number | undefined;
}

/** LiteLLM settings Helix has no equivalent of: reported, not imported. */
export const UNSUPPORTED = ['max_parallel_requests', 'soft_budget', 'tpd_limit', 'model_max_budget'] as const;

/** Settings every spender row may carry. */
interface Governed {
  /** Which of UNSUPPORTED the row sets. */
  unsupported: string[];
  spend: number;
  max_budget?: number | undefined;
  budget_duration?: string | undefined;
  rpm_limit?: number | undefined;
  tpm_limit?: number | undefined;
  models: string[];
  metadata: Record<string, unknown>;
  blocked: boolean;
  budget_id?: string | undefined;
  created_at?: string | undefined;
}

export interface LiteLLMKey extends Governed {
  /** SHA-256 hex of the secret (very old proxies stored the `sk-…` secret itself). */
  token: string;
  key_name?: string | undefined;
  key_alias?: string | undefined;
  /** Lifetime spend, kept across budget resets (newer proxies; `spend` is the current budget period's). */
  total_spend?: number | undefined;
  user_id?: string | undefined;
  team_id?: string | undefined;
  expires?: string | undefined;
}

export interface LiteLLMTeam extends Governed {
  team_id: string;
  team_alias?: string | undefined;
  /** `[{ user_id, role, user_email }]`. */
  members_with_roles: unknown;
  admins: string[];
  members: string[];
}

export interface LiteLLMUser extends Governed {
  user_id: string;
  user_alias?: string | undefined;
  user_email?: string | undefined;
  user_role?: string | undefined;
  teams: string[];
}

export interface LiteLLMEndUser extends Governed {
  user_id: string;
  alias?: string | undefined;
}

export interface LiteLLMTag extends Governed {
  tag_name: string;
  description?: string | undefined;
}

export interface LiteLLMMembership {
  user_id: string;
  team_id: string;
}

export interface LiteLLMData {
  keys: LiteLLMKey[];
  teams: LiteLLMTeam[];
  users: LiteLLMUser[];
  endUsers: LiteLLMEndUser[];
  tags: LiteLLMTag[];
  memberships: LiteLLMMembership[];
  budgets: Map<string, LiteLLMBudget>;
  /** Tables the database does not have (an older LiteLLM): imported as empty. */
  missingTables: string[];
}

type Row = Record<string, unknown>;

const GOVERNED = ['spend', 'max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit', 'models', 'metadata', 'blocked', 'budget_id', 'created_at', ...UNSUPPORTED];

/** Per table: its primary key columns (required) and the other columns read when present. */
const TABLES = {
  LiteLLM_VerificationToken: { required: ['token'], optional: [...GOVERNED, 'key_name', 'key_alias', 'total_spend', 'user_id', 'team_id', 'expires'] },
  LiteLLM_TeamTable: { required: ['team_id'], optional: [...GOVERNED, 'team_alias', 'members_with_roles', 'admins', 'members'] },
  LiteLLM_UserTable: { required: ['user_id'], optional: [...GOVERNED, 'user_alias', 'user_email', 'user_role', 'teams'] },
  LiteLLM_EndUserTable: { required: ['user_id'], optional: [...GOVERNED, 'alias'] },
  LiteLLM_TagTable: { required: ['tag_name'], optional: [...GOVERNED, 'description'] },
  LiteLLM_TeamMembership: { required: ['user_id', 'team_id'], optional: [] },
  LiteLLM_BudgetTable: { required: ['budget_id'], optional: ['max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit'] },
} as const;

type TableName = keyof typeof TABLES;

// Timestamps without a zone are UTC in LiteLLM (Prisma writes UTC); pg would read them as local time. int8 (the
// rpm/tpm limits) arrives as text by default: numbers here, bounded by what a double holds exactly.
const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP_OID) return (v: string) => `${v.replace(' ', 'T')}Z`;
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const object = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const isoDate = (v: unknown): string | undefined => {
  const s = v instanceof Date ? v.toISOString() : str(v);
  return s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : undefined;
};

const isSet = (v: unknown): boolean => v !== null && v !== undefined && !(typeof v === 'object' && Object.keys(v).length === 0);

function governed(r: Row): Governed {
  return {
    unsupported: UNSUPPORTED.filter((f) => isSet(r[f])),
    spend: num(r.spend) ?? 0,
    max_budget: num(r.max_budget),
    budget_duration: str(r.budget_duration),
    rpm_limit: num(r.rpm_limit),
    tpm_limit: num(r.tpm_limit),
    models: strings(r.models),
    metadata: object(r.metadata),
    blocked: r.blocked === true,
    budget_id: str(r.budget_id),
    created_at: isoDate(r.created_at),
  };
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** Columns of LiteLLM's tables present in the connection's schema (LiteLLM uses `public` unless told otherwise). */
async function presentColumns(client: pg.Client): Promise<Map<string, Set<string>>> {
  const res = await client.query<{ table_name: string; column_name: string }>(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)',
    [Object.keys(TABLES)],
  );
  const out = new Map<string, Set<string>>();
  for (const { table_name, column_name } of res.rows) {
    let cols = out.get(table_name);
    if (!cols) out.set(table_name, (cols = new Set()));
    cols.add(column_name);
  }
  return out;
}

async function readTable(client: pg.Client, table: TableName, present: Set<string> | undefined): Promise<Row[] | undefined> {
  if (!present) return undefined;
  const spec = TABLES[table];
  const missing = spec.required.filter((c) => !present.has(c));
  if (missing.length) throw new Error(`${table} has no column ${missing.join(', ')}: is this a LiteLLM proxy database?`);
  const columns = [...spec.required, ...spec.optional.filter((c) => present.has(c))];
  const res = await client.query<Row>(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${spec.required.map(quote).join(', ')} LIMIT ${MAX_ROWS_PER_TABLE + 1}`);
  if (res.rows.length > MAX_ROWS_PER_TABLE) throw new Error(`${table} has more than ${MAX_ROWS_PER_TABLE} rows: import it in parts (not supported) or raise MAX_ROWS_PER_TABLE`);
  return res.rows;
}

function prismaSchema(databaseUrl: string): string | undefined {
  try {
    return new URL(databaseUrl).searchParams.get('schema') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Reads everything the importer needs, in one read-only transaction (a consistent snapshot of a live proxy). */
export async function readLiteLLM(databaseUrl: string): Promise<LiteLLMData> {
  const client = new pg.Client({ connectionString: databaseUrl, types, connectionTimeoutMillis: 10_000, statement_timeout: 120_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Prisma URLs name a non-default schema as `?schema=…` (LiteLLM's DATABASE_URL is one): read from there.
    const schema = prismaSchema(databaseUrl);
    if (schema) await client.query(`SET search_path TO ${quote(schema)}`);
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const present = await presentColumns(client);
    const read = (t: TableName) => readTable(client, t, present.get(t));
    const tables = Object.keys(TABLES) as TableName[];
    const rows = new Map<TableName, Row[] | undefined>();
    for (const t of tables) rows.set(t, await read(t));
    await client.query('COMMIT');
    if (!rows.get('LiteLLM_VerificationToken')) throw new Error('no LiteLLM_VerificationToken table: is this a LiteLLM proxy database (and the right schema)?');
    const all = (t: TableName) => rows.get(t) ?? [];
    return {
      keys: all('LiteLLM_VerificationToken').map((r) => ({
        ...governed(r),
        token: String(r.token),
        key_name: str(r.key_name),
        key_alias: str(r.key_alias),
        total_spend: num(r.total_spend),
        user_id: str(r.user_id),
        team_id: str(r.team_id),
        expires: isoDate(r.expires),
      })),
      teams: all('LiteLLM_TeamTable').map((r) => ({
        ...governed(r),
        team_id: String(r.team_id),
        team_alias: str(r.team_alias),
        members_with_roles: r.members_with_roles,
        admins: strings(r.admins),
        members: strings(r.members),
      })),
      users: all('LiteLLM_UserTable').map((r) => ({
        ...governed(r),
        user_id: String(r.user_id),
        user_alias: str(r.user_alias),
        user_email: str(r.user_email),
        user_role: str(r.user_role),
        teams: strings(r.teams),
      })),
      endUsers: all('LiteLLM_EndUserTable').map((r) => ({ ...governed(r), user_id: String(r.user_id), alias: str(r.alias) })),
      tags: all('LiteLLM_TagTable').map((r) => ({ ...governed(r), tag_name: String(r.tag_name), description: str(r.description) })),
      memberships: all('LiteLLM_TeamMembership').map((r) => ({ user_id: String(r.user_id), team_id: String(r.team_id) })),
      budgets: new Map(
        all('LiteLLM_BudgetTable').map((r) => [
          String(r.budget_id),
          { budget_id: String(r.budget_id), max_budget: num(r.max_budget), budget_duration: str(r.budget_duration), rpm_limit: num(r.rpm_limit), tpm_limit: num(r.tpm_limit) },
        ]),
      ),
      missingTables: tables.filter((t) => !rows.get(t)),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
