// Numbers as the answer depends on them: each number with its unit, scaled to one base unit per metric family
// ("1.5 hours" = "90 minutes", "2 kg" = "2000 g", "$1.5 million" = "$1,500,000"), times of day on a 24-hour clock
// ("3 PM" = "15:00"), fractions as decimals, number words as digits. Imperial and metric units are never converted
// into each other: "5 km" and "3.1 miles" ask differently. Units named without a number ("… in miles") count too.
import { NUMBER_WORDS, UNITS, type UnitInfo } from './verify-lexicon.ts';

export interface Quantities {
  /** Canonical "value unit" strings, sorted (a multiset). */
  values: string[];
  /** Units mentioned without a number. */
  units: Set<string>;
  /** Character spans of the quantities read (number, scale word, unit), so the words there are not compared again. */
  spans: Array<[number, number]>;
}

const SCALES: Readonly<Record<string, number>> = { thousand: 1e3, k: 1e3, million: 1e6, mn: 1e6, m: 1e6, billion: 1e9, bn: 1e9, b: 1e9, trillion: 1e12 };
/** "one" and "second" are often not numbers: "which one", "one of", "a second opinion". */
const PRONOUN_ONE = /\b(?:which|this|that|the|any|every|each|no|some|another|one|other) one\b|\bone (?:of|another|or|more|day)\b/g;

const round = (x: number) => String(Number(x.toPrecision(8)));
/** Digits in place of words, padded so that every offset into the text stays an offset into the prompt. */
const padded = (digits: string, length: number) => digits.padEnd(length, ' ');

/** Number words → digits ("twenty-five" → 25, "a dozen" → 12); the pronoun "one" is left alone. */
function digitsForWords(text: string): string {
  const pronounsMasked = text.replace(PRONOUN_ONE, (m) => m.replace(/one/g, 'onℯ'));
  const small = (w: string) => Number(NUMBER_WORDS[w]);
  return pronounsMasked
    // "one hundred" is 100, "two thousand" 2000
    .replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty) (hundred|thousand)\b/g, (m, n: string, s: string) => padded(String(small(n) * small(s)), m.length))
    // "one and a half" is 1.5, "half a cup" 0.5 cup
    .replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten) and a half\b/g, (m, n: string) => padded(String(small(n) + 0.5), m.length))
    .replace(/\bhalf an? (?=[a-z])/g, (m) => padded('0.5', m.length))
    .replace(/\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ](one|two|three|four|five|six|seven|eight|nine)\b/g, (m, t: string, u: string) => padded(String(Number(NUMBER_WORDS[t]) + Number(NUMBER_WORDS[u])), m.length))
    .replace(/\b[a-z]+\b/g, (w, at: number, all: string) => {
      const value = NUMBER_WORDS[w];
      if (value === undefined) return w;
      if (w === 'second' && !/^\s*(?:law|largest|biggest|most|time|place|half|chapter|step|round|season|day|week|month|year|edition|version|floor)\b/.test(all.slice(at + w.length))) return w;
      return /^\d/.test(value) ? padded(value, w.length) : w;
    })
    .replace(/onℯ/g, 'one');
}

function unitAt(rest: string, corrections: ReadonlyMap<string, string>): { unit: UnitInfo; length: number } | undefined {
  // Two-word units first ("miles per hour" is not "miles").
  const two = /^\s*-?\s?(degrees?\s+(?:celsius|fahrenheit|kelvin|c|f)|(?:miles?|km|kilometers?|kilometres?|meters?|metres?)\s+(?:per|an|a)\s+(?:hour|second)|fl\.?\s?oz)\b/.exec(rest);
  const twoUnit = two ? UNITS[two[1]!.replace(/\s+/g, ' ').replace(/^degree /, 'degrees ').replace(/ (?:an|a) /, ' per ')] : undefined;
  if (two && twoUnit) return { unit: twoUnit, length: two[0].length };
  const m = /^\s*-?\s?(°\s?[cf]\b|[a-z$€£¥₹%]+(?:\/[a-z]+)?)/.exec(rest);
  if (!m) return undefined;
  const token = corrections.get(m[1]!) ?? m[1]!.replace(/\s/g, '');
  const unit = UNITS[token] ?? (token.endsWith('s') ? UNITS[token.slice(0, -1)] : undefined);
  return unit ? { unit, length: m[0].length } : undefined;
}

function canonical(value: number, unit: UnitInfo | undefined): string {
  if (!unit) return round(value);
  return `${round(value * unit.factor)} ${unit.base}`;
}

/** `corrections`: misspelt words → the word meant ("farenheit" → "fahrenheit"). */
export function extractQuantities(prompt: string, corrections: ReadonlyMap<string, string> = new Map()): Quantities {
  // Every step keeps the text's length: offsets found here are offsets into the prompt.
  const lower = prompt.replace(/\p{Lu}/gu, (c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).replace(/[\u00a0\u2009\u202f]/g, ' ');
  const text = digitsForWords(lower).replace(/(\d)x(?=\d)/g, '$1 ');
  const values: string[] = [];
  const used: Array<[number, number]> = [];
  const take = (start: number, end: number) => used.push([start, end]);
  const free = (at: number) => !used.some(([s, e]) => at >= s && at < e);

  // Times of day: 3 pm, 3:30 p.m., 15:00.
  for (const m of text.matchAll(/(?<![\d:.])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b\.?|(?<![\d:.])(\d{1,2}):(\d{2})(?![\d:])/g)) {
    let hour = Number(m[1] ?? m[4]);
    const minute = Number(m[2] ?? m[5] ?? 0);
    if (m[3] === 'p' && hour < 12) hour += 12;
    if (m[3] === 'a' && hour === 12) hour = 0;
    if (hour > 23 || minute > 59) continue;
    values.push(`${hour}:${String(minute).padStart(2, '0')} time`);
    take(m.index, m.index + m[0].length);
  }

  // Numbers, with an optional currency sign before and scale word and unit after.
  const NUM = /([$€£¥₹])?\s?(?<![\p{L}\d.,])(\d+\/\d+|\d[\d,]*(?:\.\d+)?|\.\d+)(?!\.\d)/gu;
  for (const m of text.matchAll(NUM)) {
    const numStart = m.index + m[0].length - m[2]!.length;
    if (!free(numStart)) continue;
    let raw = m[2]!;
    let value: number;
    const fraction = /^(\d+)\/(\d+)$/.exec(raw);
    if (fraction) {
      const [n, d] = [Number(fraction[1]), Number(fraction[2])];
      if (n < d && d <= 16) value = n / d;
      else {
        // "120/80", "24/7": two numbers
        values.push(round(n), round(d));
        take(m.index, m.index + m[0].length);
        continue;
      }
    } else {
      // "1,000,000" is one number; "1,2,3" is a list; "49,99" a decimal comma (two decimals, as prices are written)
      if (/^\d+,\d{2}$/.test(raw)) raw = raw.replace(',', '.');
      else if (/,/.test(raw) && !/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(raw)) {
        for (const part of raw.split(',')) if (part) values.push(round(Number(part)));
        take(m.index, m.index + m[0].length);
        continue;
      }
      raw = raw.replace(/,/g, '');
      value = Number(raw);
    }
    let rest = text.slice(m.index + m[0].length);
    const scale = /^\s*(thousand|million|billion|trillion|mn|bn|k|m|b)\b/.exec(rest);
    // "5m" is five metres, "$5m" five million: a bare m/b scales only money
    if (scale && (!/^(?:m|b)$/.test(scale[1]!) || m[1])) {
      value *= SCALES[scale[1]!]!;
      rest = rest.slice(scale[0].length);
    }
    let unit = m[1] ? UNITS[m[1]] : undefined;
    const after = unitAt(rest, corrections);
    let end = text.length - rest.length;
    if (after && !unit) {
      unit = after.unit;
      end += after.length;
    } else if (!unit) {
      // letters glued to the number name its unit even when we do not know it ("12px" is not "12pt", "3rd" not "3")
      const glued = /^[a-z]+(?![\p{L}\d])/u.exec(rest);
      if (glued && end === m.index + m[0].length) {
        unit = { name: glued[0], base: glued[0], factor: 1, named: false };
        end += glued[0].length;
      }
    }
    take(m.index, end);
    values.push(canonical(value, unit));
  }

  // Units named without a number ("how many miles", "in Celsius"); abbreviations that are also words ("m", "in") only count after a number.
  const units = new Set<string>();
  for (const m of text.matchAll(/°\s?[cf]\b|\b[a-z]+\b/g)) {
    if (!free(m.index)) continue;
    const found = unitAt(text.slice(m.index), corrections);
    if (found?.unit.named) units.add(found.unit.name);
  }
  return { values: values.sort(), units, spans: used };
}

/**
 * Data rates written with a symbol, told apart by the case of their "b" (the rest of the verifier reads lower case):
 * "Mbps" is megabits per second, "MBps" and "MB/s" megabytes.
 */
export function dataRates(prompt: string): Set<string> {
  return new Set([...prompt.matchAll(/\b([kKmMgGtT])([bB])(?:ps|\/s)\b/g)].map((m) => `${m[1]!.toLowerCase()}${m[2] === 'B' ? 'byte' : 'bit'}/s`));
}

/** Values given to names ("R1 = 10k", "timeout: 30s"): name → value as written (lower case, no spaces). */
export function namedValues(prompt: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of prompt.matchAll(/\b([A-Za-z][\w]{0,30})\s*(?:=|:)\s*(-?\d[\d.,]*(?:\s?[A-Za-zµΩ%]+)?)/g)) {
    out.set(m[1]!.toLowerCase(), m[2]!.toLowerCase().replace(/\s+/g, ''));
  }
  return out;
}
