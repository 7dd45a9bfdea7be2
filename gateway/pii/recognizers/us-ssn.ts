// US_SSN: AAA-GG-SSSS with the ranges the SSA issues (area not 000/666/900-999, group not 00, serial not 0000),
// minus well-known fake numbers. Ungrouped 9-digit numbers only count next to an SSN cue ("SSN", "social", "SS#",
// "soc sec", "seguro social" …) or in a table column named like one; so do ones grouped with spaces or dots.
import { matchRecognizer } from './each-match.ts';
import { lineBefore } from '../text-utils.ts';
import { columnHeader } from './table-columns.ts';

const CANDIDATE = /(?<![\d.-])(\d{3})([-. ]?)(\d{2})\2(\d{4})(?![\d]|[.-]\d)/g;
const SSN_CUE = /(?:ssn|\bsocial\b|soc\.? ?sec|\bss\.? ?(?:#|no\b|nr\b|num)|\bs\.s\.n|seguro social|sécurité sociale|sozialversicherung|taxpayer|\btin\b|\bitin\b)/;
// Advertised/sample numbers (Woolworth wallet card, the SSA's own examples) that are never real.
const KNOWN_FAKE = new Set(['078051120', '219099999', '123456789', '987654320', '987654321']);

export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  const all = area + group + serial;
  if (KNOWN_FAKE.has(all) || /^(\d)\1{8}$/.test(all)) return false;
  return true;
}

export const usSsnRecognizer = matchRecognizer('us_ssn', 'US_SSN', CANDIDATE, (m, text, scan, out) => {
  const [raw, area = '', sep = '', group = '', serial = ''] = m;
  if (!ssnValid(area, group, serial)) return;
  const cue = SSN_CUE.test(lineBefore(text, m.index, 40)) || (sep !== '-' && SSN_CUE.test(columnHeader(text, m.index, scan) ?? ''));
  let confidence: number;
  if (sep === '-') confidence = cue ? 0.95 : 0.85;
  else if (sep === ' ' || sep === '.') confidence = cue ? 0.9 : 0.4;
  else if (cue) confidence = 0.85;
  else return; // a bare 9-digit number is far more often an order or account number
  out.push({ entity: 'US_SSN', start: m.index, end: m.index + raw.length, confidence, detector: 'us_ssn' });
});
