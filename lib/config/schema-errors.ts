// A schema error as a reader of the config file wants it: the allowed names for a setting that takes one of a few
// (with the nearest to what was written), "required" for a missing key, else TypeBox's message.
import { KindGuard, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { didYouMean } from './nearest.ts';

function literalNames(schema: TSchema): string[] | undefined {
  if (!KindGuard.IsUnion(schema)) return undefined;
  const names = schema.anyOf.map((s) => (KindGuard.IsLiteral(s) ? String(s.const) : undefined));
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

export function describeSchemaError(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'required';
  const names = error.type === ValueErrorType.Union ? literalNames(error.schema) : undefined;
  if (!names) return error.message;
  const written = typeof error.value === 'string' ? `"${error.value.slice(0, 64)}"` : JSON.stringify(error.value)?.slice(0, 64);
  const hint = typeof error.value === 'string' ? didYouMean(error.value, names) : '';
  return `${written} is not one of ${names.join(', ')}${hint}`;
}
