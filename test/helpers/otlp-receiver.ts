// A local OTLP/HTTP receiver for tests: a plain node http server on 127.0.0.1 taking /v1/traces and /v1/metrics in
// JSON (spans and metrics decoded) or protobuf (spans decoded by the small wire reader below; metrics counted).
// `hang: true` accepts requests and never answers (an exporter's worst receiver).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client. */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code: number; message: string };
  resource: Record<string, unknown>;
}

export interface ReceivedDataPoint {
  attributes: Record<string, unknown>;
  count: number;
  sum: number;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  dataPoints: ReceivedDataPoint[];
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

export interface OtlpReceiver {
  /** Base URL, `http://127.0.0.1:PORT` (exporters append /v1/traces and /v1/metrics). */
  url: string;
  requests: ReceivedRequest[];
  spans: ReceivedSpan[];
  /** One entry per metrics export (JSON only), each the metrics it carried. */
  metricExports: ReceivedMetric[][];
  /** The newest export's data points of a metric (exports are cumulative). */
  latestMetric(name: string): ReceivedMetric | undefined;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);

function jsonValue(v: Json | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return num(v.intValue);
  if ('doubleValue' in v) return num(v.doubleValue);
  if ('arrayValue' in v) return ((v.arrayValue as Json).values as Json[] | undefined ?? []).map(jsonValue);
  return undefined;
}

const jsonAttributes = (list: unknown): Record<string, unknown> => Object.fromEntries(((list as Json[] | undefined) ?? []).map((kv) => [kv.key as string, jsonValue(kv.value as Json)]));

function spansFromJson(body: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (body.resourceSpans as Json[] | undefined) ?? []) {
    const resource = jsonAttributes((rs.resource as Json | undefined)?.attributes);
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      for (const s of (ss.spans as Json[] | undefined) ?? []) {
        const status = (s.status as Json | undefined) ?? {};
        out.push({
          traceId: String(s.traceId ?? ''),
          spanId: String(s.spanId ?? ''),
          parentSpanId: String(s.parentSpanId ?? ''),
          name: String(s.name),
          kind: num(s.kind),
          startMs: num(s.startTimeUnixNano) / 1e6,
          endMs: num(s.endTimeUnixNano) / 1e6,
          attributes: jsonAttributes(s.attributes),
          events: ((s.events as Json[] | undefined) ?? []).map((e) => ({ name: String(e.name), attributes: jsonAttributes(e.attributes) })),
          status: { code: num(status.code), message: String(status.message ?? '') },
          resource,
        });
      }
    }
  }
  return out;
}

function metricsFromJson(body: Json): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of (body.resourceMetrics as Json[] | undefined) ?? []) {
    for (const sm of (rm.scopeMetrics as Json[] | undefined) ?? []) {
      for (const m of (sm.metrics as Json[] | undefined) ?? []) {
        const data = (m.histogram ?? m.sum ?? m.gauge) as Json | undefined;
        const dataPoints = ((data?.dataPoints as Json[] | undefined) ?? []).map((p) => ({ attributes: jsonAttributes(p.attributes), count: num(p.count), sum: num(p.sum ?? p.asDouble ?? p.asInt) }));
        out.push({ name: String(m.name), unit: String(m.unit ?? ''), dataPoints });
      }
    }
  }
  return out;
}

// --- protobuf: the wire format, and the few OTLP trace messages the tests read --------------------------------

type Field = { wire: 0; value: bigint } | { wire: 1; value: Buffer } | { wire: 2; value: Buffer } | { wire: 5; value: Buffer };

function readFields(buf: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    let field: Field;
    if (wire === 0) field = { wire, value: varint() };
    else if (wire === 1) field = { wire, value: buf.subarray(pos, (pos += 8)) };
    else if (wire === 2) {
      const len = Number(varint());
      field = { wire, value: buf.subarray(pos, (pos += len)) };
    } else if (wire === 5) field = { wire, value: buf.subarray(pos, (pos += 4)) };
    else throw new Error(`unsupported wire type ${wire}`);
    const list = fields.get(no) ?? [];
    list.push(field);
    fields.set(no, list);
  }
  return fields;
}

const bytesOf = (f: Map<number, Field[]>, no: number): Buffer[] => (f.get(no) ?? []).map((x) => x.value as Buffer);
const first = (f: Map<number, Field[]>, no: number): Field | undefined => f.get(no)?.[0];
const str = (f: Map<number, Field[]>, no: number): string => (first(f, no)?.value as Buffer | undefined)?.toString('utf8') ?? '';
const hex = (f: Map<number, Field[]>, no: number): string => (first(f, no)?.value as Buffer | undefined)?.toString('hex') ?? '';
const varintOf = (f: Map<number, Field[]>, no: number): number => Number((first(f, no)?.value as bigint | undefined) ?? 0n);
const fixed64 = (f: Map<number, Field[]>, no: number): number => {
  const b = first(f, no)?.value as Buffer | undefined;
  return b ? Number(b.readBigUInt64LE(0)) : 0;
};

function protoValue(buf: Buffer): unknown {
  const f = readFields(buf);
  if (f.has(1)) return str(f, 1);
  if (f.has(2)) return varintOf(f, 2) !== 0;
  if (f.has(3)) return Number(BigInt.asIntN(64, first(f, 3)!.value as bigint));
  if (f.has(4)) return (first(f, 4)!.value as Buffer).readDoubleLE(0);
  if (f.has(5)) return bytesOf(readFields(first(f, 5)!.value as Buffer), 1).map(protoValue);
  return undefined;
}

const protoAttributes = (list: Buffer[]): Record<string, unknown> =>
  Object.fromEntries(list.map((kv) => readFields(kv)).map((f) => [str(f, 1), f.has(2) ? protoValue(first(f, 2)!.value as Buffer) : undefined]));

function spansFromProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rsBuf of bytesOf(readFields(body), 1)) {
    const rs = readFields(rsBuf);
    const resourceBuf = bytesOf(rs, 1)[0];
    const resource = resourceBuf ? protoAttributes(bytesOf(readFields(resourceBuf), 1)) : {};
    for (const ssBuf of bytesOf(rs, 2)) {
      for (const spanBuf of bytesOf(readFields(ssBuf), 2)) {
        const s = readFields(spanBuf);
        const statusBuf = bytesOf(s, 15)[0];
        const status = statusBuf ? readFields(statusBuf) : new Map<number, Field[]>();
        out.push({
          traceId: hex(s, 1),
          spanId: hex(s, 2),
          parentSpanId: hex(s, 4),
          name: str(s, 5),
          kind: varintOf(s, 6),
          startMs: fixed64(s, 7) / 1e6,
          endMs: fixed64(s, 8) / 1e6,
          attributes: protoAttributes(bytesOf(s, 9)),
          events: bytesOf(s, 11).map((e) => readFields(e)).map((e) => ({ name: str(e, 2), attributes: protoAttributes(bytesOf(e, 3)) })),
          status: { code: varintOf(status, 3), message: str(status, 2) },
          resource,
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(opts: { hang?: boolean } = {}): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const metricExports: ReceivedMetric[][] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = String(req.headers['content-type'] ?? '');
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push({ path, contentType, headers: req.headers, bytes: body.length });
      if (opts.hang) return; // never answers
      try {
        const json = contentType.includes('json');
        if (path === '/v1/traces') spans.push(...(json ? spansFromJson(JSON.parse(body.toString('utf8')) as Json) : spansFromProtobuf(body)));
        else if (path === '/v1/metrics' && json) metricExports.push(metricsFromJson(JSON.parse(body.toString('utf8')) as Json));
        else if (path !== '/v1/metrics') {
          res.writeHead(404).end();
          return;
        }
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String((err as Error).message));
        return;
      }
      // An empty success: the same in both encodings.
      res.writeHead(200, { 'content-type': contentType || 'application/json' }).end(contentType.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    metricExports,
    latestMetric(name) {
      for (let i = metricExports.length - 1; i >= 0; i--) {
        const m = metricExports[i]!.find((x) => x.name === name);
        if (m) return m;
      }
      return undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
