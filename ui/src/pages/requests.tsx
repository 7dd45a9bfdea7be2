// Requests: the newest requests of the range, a page at a time, searchable by request id, key id, team, user, model
// or status (the gateway's `requests` query over v_requests). A prompt column exists only when the gateway sends
// prompts, which it does only with helix_settings.log_prompts on.
import { useState } from 'preact/hooks';
import { api, type Row } from '../api.ts';
import { count, ms, num, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { RangePicker, type RangeId } from '../components/range-picker.tsx';
import { ErrorLine } from '../components/error-line.tsx';

/** The gateway's page size for this query (REQUESTS_PAGE_SIZE in gateway/dashboard/queries-requests.ts). */
const PAGE_SIZE = 50;
/** The gateway's bounds on the search text and page number (gateway/dashboard/queries.ts). */
const SEARCH_MAX = 200;
const PAGE_MAX = 200;
/** The longest prompt text shown in a cell (the whole prompt is in its tooltip). */
const PROMPT_CHARS = 300;
const SUB = 'color: #6b7280; font-size: 0.8rem';

const loadRequests = async (range: RangeId, q: string, page: number): Promise<Row[]> =>
  (await api<{ data: Row[] }>(`/ui/api/query/requests?${new URLSearchParams({ range, q, page: String(page) }).toString()}`)).data;

const text = (row: Row, key: string): string => String(row[key] ?? '');

/** The request event's prompt is its messages as JSON: shown as "role: text" lines. */
function promptText(raw: string): string {
  try {
    const messages = JSON.parse(raw) as Array<{ role?: string; content?: unknown }>;
    return messages
      .map((m) => `${m.role ?? '?'}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`)
      .join('\n');
  } catch {
    return raw;
  }
}

function Who({ row }: { row: Row }) {
  return (
    <td data-col="who">
      <code>{text(row, 'key_id') || '—'}</code>
      <div style={SUB}>
        {text(row, 'team_id') || 'no team'}
        {text(row, 'user_id') && ` · ${text(row, 'user_id')}`}
      </div>
    </td>
  );
}

function RequestRow({ row, withPrompt }: { row: Row; withPrompt: boolean }) {
  const failed = text(row, 'status') !== 'ok';
  const prompt = withPrompt ? promptText(text(row, 'prompt')) : '';
  return (
    <tr data-request-id={text(row, 'request_id')}>
      <td data-col="ts">{text(row, 'ts')}</td>
      <td data-col="request_id">
        <code>{text(row, 'request_id')}</code>
      </td>
      <Who row={row} />
      <td data-col="end_user">{text(row, 'end_user') || '—'}</td>
      <td data-col="tags">{text(row, 'tags') || '—'}</td>
      <td data-col="endpoint">{text(row, 'endpoint')}</td>
      <td data-col="model">
        {text(row, 'model')}
        {text(row, 'model_swapped_from') && <div style={SUB}>swapped from {text(row, 'model_swapped_from')}</div>}
      </td>
      <td data-col="provider">{text(row, 'provider')}</td>
      <td data-col="status" class={failed ? 'blocked' : 'active'}>
        {text(row, 'status')} {num(row, 'http_status') || ''}
      </td>
      <td data-col="tokens" title={`prompt ${num(row, 'prompt_tokens')} + completion ${num(row, 'completion_tokens')}`}>
        {count(num(row, 'total_tokens'))}
      </td>
      <td data-col="cost">{usd(num(row, 'cost_usd'))}</td>
      <td data-col="latency">{ms(num(row, 'total_ms'))}</td>
      <td data-col="cache">{text(row, 'cache') || '—'}</td>
      {withPrompt && (
        <td data-col="prompt" title={prompt} style="max-width: 28rem; white-space: pre-wrap; word-break: break-word">
          {prompt.length > PROMPT_CHARS ? `${prompt.slice(0, PROMPT_CHARS)}…` : prompt}
        </td>
      )}
    </tr>
  );
}

function Search({ onSearch }: { onSearch: (q: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="search"
      style="display: flex; gap: 0.4rem; margin: 0.8rem 0"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(value.trim());
      }}
    >
      <input
        name="q"
        value={value}
        maxLength={SEARCH_MAX}
        size={48}
        placeholder="request id, key id, team, user, model or status"
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit">Search</button>
      <button
        type="button"
        onClick={() => {
          setValue('');
          onSearch('');
        }}
      >
        Clear
      </button>
    </form>
  );
}

export function RequestsPage() {
  const [range, setRange] = useState<RangeId>('24h');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(0);
  const { data, error } = usePoll(() => loadRequests(range, q, page), [range, q, page]);
  const rows = data ?? [];
  // The gateway sends a prompt column only while log_prompts is on.
  const withPrompt = rows.some((r) => 'prompt' in r);
  const headers = ['time (UTC)', 'request id', 'key · team · user', 'end user', 'tags', 'endpoint', 'model', 'provider', 'status', 'tokens', 'cost', 'latency', 'cache'];
  return (
    <div class="page" data-testid="requests">
      <header class="page-head">
        <h2>Requests</h2>
        <RangePicker
          value={range}
          onChange={(r) => {
            setRange(r);
            setPage(0);
          }}
        />
      </header>
      <Search
        onSearch={(value) => {
          setQ(value);
          setPage(0);
        }}
      />
      <ErrorLine message={error} />
      <table class="keys" data-testid="requests-table">
        <thead>
          <tr>
            {headers.map((h) => (
              <th key={h}>{h}</th>
            ))}
            {withPrompt && <th>prompt</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <RequestRow key={text(row, 'request_id')} row={row} withPrompt={withPrompt} />
          ))}
        </tbody>
      </table>
      {data && rows.length === 0 && <p class="empty">{q ? `No requests match “${q}” in this range.` : 'No requests in this range.'}</p>}
      <div class="pager" data-testid="requests-pager" style="margin: 0.8rem 0">
        <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          Newer
        </button>
        <span> page {page + 1} </span>
        <button type="button" disabled={rows.length < PAGE_SIZE || page >= PAGE_MAX} onClick={() => setPage((p) => p + 1)}>
          Older
        </button>
      </div>
    </div>
  );
}
