// Delimited tables (CSV, TSV, semicolon lists, Markdown): a header cell names its column, and that name is the cue
// for every value below it ("ssn" over bare 9-digit numbers, "password" over passwords). A table is a run of
// lines with the same number of one delimiter; its first line is the header. Every walk here is bounded.
import type { ScanState } from '../types.ts';
import { lineAround } from '../text-utils.ts';

const DELIMITERS = [',', ';', '\t', '|'] as const;
const MAX_ROWS = 200;
const MAX_LINE = 4096;
/** A header cell is a short name, not a clause of prose ("Password, please."). */
const HEADER_CELL = /^[ \t]*["']?[\p{L}\p{N}_#/ -]{0,40}["']?[ \t]*$/u;
/** Up to two words naming whose the column is ("DB password", "Admin PIN"); not a possessive of prose ("my password"). */
/** A label before the header row on its line ("Keepass export row: \"Title\",\"Password\""), not a cell of it. */
const LEAD_IN = /^[^\n,;|\t"':]{1,40}:[ \t]+(?=["'])/;
const CELL_PREFIX = /^["']?(?!(?:my|your|our|his|her|their|the|a|an)[ \t])(?:[\p{L}\p{N}]{1,16}[ \t_-]){1,2}$/iu;

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** [start, end) of the line holding `index` (end excludes the line break and a `\r` before it), bounded. */
function lineAt(text: string, index: number): [number, number] {
  const [start, end] = lineAround(text, index, MAX_LINE);
  return [start, text.charCodeAt(end - 1) === 13 ? end - 1 : end];
}

const delimiterOf = (line: string): string | undefined => DELIMITERS.find((d) => line.includes(d));

/** Whether, stepping from `i` in direction `step` over quotes and blanks, a delimiter or a line edge comes first. */
function delimitedAt(text: string, i: number, step: 1 | -1): boolean {
  for (let n = 0; n < 4; n++, i += step) {
    if (i < 0 || i >= text.length) return true;
    const c = text[i]!;
    if (c === '\n' || c === '\r' || (DELIMITERS as readonly string[]).includes(c)) return true;
    if (c !== ' ' && c !== '"' && c !== "'") return false;
  }
  return false;
}

interface Table {
  delimiter: string;
  cells: number;
  top: number;
  bottom: number;
  header: string | undefined;
}
// The table found last in each scan: the rows of one table are looked up one after another, and walking up to the
// header again for each would cost rows × rows. Keyed by the scan, so nothing outlives it.
const lastTable = new WeakMap<ScanState, Table>();

/** Header name of the column holding `index`, lower-cased and unquoted, or undefined outside a table body. */
export function columnHeader(text: string, index: number, scan: ScanState): string | undefined {
  const [start, end] = lineAt(text, index);
  const line = text.slice(start, end);
  const delimiter = delimiterOf(line);
  if (delimiter === undefined) return undefined;
  const cells = count(line, delimiter);
  let table = lastTable.get(scan);
  if (!table || table.delimiter !== delimiter || table.cells !== cells || start <= table.top || start > table.bottom + 2) {
    let header: string | undefined;
    let at = start;
    for (let rows = 0; rows < MAX_ROWS && at > 0; rows++) {
      const [prevStart, prevEnd] = lineAt(text, at - 1);
      const prev = text.slice(prevStart, prevEnd);
      if (count(prev, delimiter) !== cells) break;
      header = prev;
      at = prevStart;
    }
    table = { delimiter, cells, top: at, bottom: end, header };
    lastTable.set(scan, table);
  }
  table.bottom = Math.max(table.bottom, end);
  const header = table.header;
  const column = count(text.slice(start, index), delimiter);
  return header?.split(delimiter)[column]?.trim().replace(/^["']|["']$/g, '').toLowerCase();
}

/**
 * When the cue at [cueStart, cueEnd) ends a header cell (alone or after a word or two: "DB password"), calls `onCell(start, end)` for the cell below it in
 * each row of the table and returns the end of the table; otherwise returns undefined.
 */
export function eachCellBelow(text: string, cueStart: number, cueEnd: number, onCell: (start: number, end: number) => void): number | undefined {
  // Cheap test first: a delimiter or line edge after the cue (quotes and blanks between allowed); before it too,
  // or a word or two of the same cell (read below).
  if (!delimitedAt(text, cueEnd, 1)) return undefined;
  const alone = delimitedAt(text, cueStart - 1, -1);
  const [start, end] = lineAt(text, cueStart);
  const line = text.slice(start, end);
  const delimiter = delimiterOf(line);
  if (delimiter === undefined || end >= text.length) return undefined;
  const cellStart = start + line.lastIndexOf(delimiter, cueStart - start - 1) + 1;
  const nextDelimiter = line.indexOf(delimiter, cueEnd - start);
  const cellEnd = nextDelimiter === -1 ? end : start + nextDelimiter;
  if (!alone && !CELL_PREFIX.test(text.slice(cellStart, cueStart).trimStart())) return undefined;
  if (text.slice(cueEnd, cellEnd).trim().replace(/["']$/, '') !== '') return undefined;
  if (!line.replace(LEAD_IN, '').split(delimiter).every((cell) => HEADER_CELL.test(cell))) return undefined;
  const cells = count(line, delimiter);
  const column = count(text.slice(start, cueStart), delimiter);
  let rowStart = end + 1;
  if (text.charCodeAt(end) === 13) rowStart++;
  for (let rows = 0; rows < MAX_ROWS && rowStart < text.length; rows++) {
    const [s, e] = lineAt(text, rowStart);
    const row = text.slice(s, e);
    if (count(row, delimiter) !== cells) break;
    let cell = s;
    for (let c = 0; c < column; c++) cell = text.indexOf(delimiter, cell) + 1;
    const next = text.indexOf(delimiter, cell);
    let a = cell;
    let b = next === -1 || next > e ? e : next;
    while (a < b && /[\s"']/.test(text[a]!)) a++;
    while (b > a && /[\s"']/.test(text[b - 1]!)) b--;
    if (b > a) onCell(a, b);
    rowStart = e + (text.charCodeAt(e) === 13 ? 2 : 1);
  }
  return rowStart;
}
