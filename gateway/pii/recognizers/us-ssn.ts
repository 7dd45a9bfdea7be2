// US_SSN: AAA-GG-SSSS with the ranges the SSA issues (area not 000/666/900-999, group not 00, serial not 0000),
// minus well-known fake numbers. Ungrouped 9-digit numbers only count next to an SSN cue ("SSN", "social", "SS#",
// "soc sec", "SSA number", "seguro social"; identity records: "KYC", "DOB", "W-9" …), in a table column named like one, or in an HL7 PID (patient
// identity) segment; so do ones grouped with spaces or dots. A cued number outranks a national phone reading of the
// same digits.
import { matchRecognizer } from './each-match.ts';
import { lineBefore } from '../text-utils.ts';
import { columnHeader } from './table-columns.ts';

const CANDIDATE = /(?<![\d.-])(\d{3})([-. ]?)(\d{2})\2(\d{4})(?![\d]|[.-]\d)/g;
const SSN_CUE = /(?:ssn|\bssa\b|\bsocial(?![a-z])|soc\.? ?sec|\bss\.? ?(?:#|no\b|nr\b|num)|\bs\.s\.n|seguro social|sécurité sociale|sozialversicherung|taxpayer|\btin\b|\bitin\b|\bkyc\b|\bdob\b|date of birth|\bw-?9\b)/;
/** The cue may sit a few words back in a log line ("SSN lookup by … for record 3745: returned …"). */
const CUE_WINDOW = 64;
/** An HL7 v2 PID segment: its fields hold the patient's identifiers, the SSN among them. */
const HL7_PID = /(?:^|\|)pid\|/;
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
  const before = lineBefore(text, m.index, CUE_WINDOW);
  const cue = SSN_CUE.test(before) || (sep !== '-' && (SSN_CUE.test(columnHeader(text, m.index, scan) ?? '') || (text[m.index - 1] === '|' && HL7_PID.test(lineBefore(text, m.index, 256)))));
  let confidence: number;
  if (sep === '-') confidence = cue ? 0.95 : 0.85;
  else if (sep === ' ' || sep === '.') confidence = cue ? 0.92 : 0.4;
  else if (cue) confidence = 0.92;
  else return; // a bare 9-digit number is far more often an order or account number
  out.push({ entity: 'US_SSN', start: m.index, end: m.index + raw.length, confidence, detector: 'us_ssn' });
});
