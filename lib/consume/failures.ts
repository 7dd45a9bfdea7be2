// Which failed writes are worth waiting out. A write that fails because of what a message holds — ClickHouse cannot
// parse or hold one of its values, a sink says so with PermanentFailure — fails the same way on every retry: the
// consume loop isolates that message and dead-letters it (isolation.ts, group-writer.ts). Everything else is
// transient and retried with backoff until it passes: a service unreachable or timing out, ClickHouse busy
// (TOO_MANY_PARTS, memory limits), a missing table (a deployment problem, not the data's), and any error we do not
// recognise.

export type Failure = { permanent: true; reason: string } | { permanent: false; reason: string };

/** Thrown by a sink for a value it can never write (the consume loop dead-letters the message it came from). */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
}

/** ClickHouse error types that blame the inserted data (its error codes: ErrorCodes.cpp). */
const CLICKHOUSE_DATA_ERRORS = new Set([
  'ARGUMENT_OUT_OF_BOUND',
  'CANNOT_CONVERT_TYPE',
  'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  'CANNOT_READ_ARRAY_FROM_TEXT',
  'CANNOT_READ_MAP_FROM_TEXT',
  'DECIMAL_OVERFLOW',
  'INCORRECT_DATA',
  'TOO_LARGE_ARRAY_SIZE',
  'TOO_LARGE_STRING_SIZE',
  'TYPE_MISMATCH',
  'UNKNOWN_ELEMENT_IN_ENUM',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
]);
/** CANNOT_PARSE_TEXT, _NUMBER, _DATETIME, _UUID, _INPUT_ASSERTION_FAILED, _BOOL, … */
const CLICKHOUSE_DATA_PREFIX = 'CANNOT_PARSE_';

/** Kafka refusing a record for what it is (a whole batch too large is split by the isolation, so not listed). */
const KAFKA_DATA_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** Redis replies that blame an argument (a script fed a value it cannot count with). */
const REDIS_DATA_REPLY = /not an integer or out of range|not a valid float|increment or decrement would overflow/i;

/** The error type ClickHouse put in its message — `… DB::Exception: … (CANNOT_PARSE_DATETIME)` — as @clickhouse/client reads it. */
const CLICKHOUSE_TYPE = /(?:Code|Error): \d+.*Exception: .+?\(((?=[A-Z0-9_]*[A-Z]{3})[A-Z0-9_]+)\)/s;

function clickhouseType(err: Error): string | undefined {
  const type = (err as { type?: unknown }).type;
  if (typeof type === 'string' && /^[A-Z0-9_]+$/.test(type)) return type;
  return CLICKHOUSE_TYPE.exec(err.message)?.[1];
}

const describe = (err: Error, type?: string) => (type ? `${type}: ${firstLine(err.message)}` : firstLine(err.message));
const firstLine = (message: string) => message.split('\n', 1)[0]!.slice(0, 400);

export function classifyFailure(err: unknown): Failure {
  if (err instanceof AggregateError) {
    // Several writes of one batch failed (one per ClickHouse table): waiting helps if it helps any of them.
    const parts = err.errors.map(classifyFailure);
    return parts.find((p) => !p.permanent) ?? parts[0] ?? { permanent: false, reason: err.message };
  }
  if (!(err instanceof Error)) return { permanent: false, reason: String(err) };
  if (err instanceof PermanentFailure) return { permanent: true, reason: firstLine(err.message) };
  // A value JavaScript itself cannot handle (an invalid date, a number out of range, a value of the wrong shape).
  // Network failures can surface as TypeError too, but always with the socket error as their cause.
  if (err instanceof RangeError || err instanceof SyntaxError || (err instanceof TypeError && err.cause === undefined)) {
    return { permanent: true, reason: `${err.name}: ${firstLine(err.message)}` };
  }
  const kafkaType = (err as { type?: unknown }).type;
  if (err.name.startsWith('KafkaJS') && typeof kafkaType === 'string') return { permanent: KAFKA_DATA_ERRORS.has(kafkaType), reason: describe(err, kafkaType) };
  const chType = clickhouseType(err);
  if (chType) return { permanent: CLICKHOUSE_DATA_ERRORS.has(chType) || chType.startsWith(CLICKHOUSE_DATA_PREFIX), reason: describe(err, chType) };
  if (err.name === 'ReplyError' && REDIS_DATA_REPLY.test(err.message)) return { permanent: true, reason: describe(err) };
  if (err.cause !== undefined) return { ...classifyFailure(err.cause), reason: describe(err) };
  return { permanent: false, reason: describe(err) };
}
