// Partial masks for the `mask` action: enough to recognise which value it was (last digits, first letter of an
// email), not enough to use it. Passwords and generic secrets are masked completely.
import type { FindingEntity } from './types.ts';
import { isAlnum, isDigit } from './text-utils.ts';

/** Replaces every digit except the last `keep` with '*', keeping separators and a leading '+'. */
function maskDigits(value: string, keep: number): string {
  let total = 0;
  for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) total++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    if (isDigit(value.charCodeAt(i))) {
      seen++;
      out += seen > total - keep ? ch : '*';
    } else out += ch;
  }
  return out;
}

const lastDigits = (value: string, n: number): string => value.replace(/\D/g, '').slice(-n);

const KEY_PREFIX = /^(?:sk-ant-(?:api|admin)\d\d-|sk-(?:proj-|svcacct-|admin-)?|[sr]k_(?:live|test)_|gh[pousr]_|github_pat_|xox[abposr]-|AKIA|ASIA|AIza|glpat-|hf_|npm_)/;

export function maskValue(entity: FindingEntity, value: string): string {
  switch (entity) {
    case 'EMAIL_ADDRESS': {
      const at = value.lastIndexOf('@');
      return `${value.slice(0, 1)}***${value.slice(at)}`;
    }
    case 'CREDIT_CARD':
      return `****-****-****-${lastDigits(value, 4)}`;
    case 'PHONE_NUMBER':
      return maskDigits(value, 4);
    case 'US_SSN':
      return `***-**-${lastDigits(value, 4)}`;
    case 'IBAN_CODE': {
      let alnumSeen = 0;
      const total = value.replace(/[^A-Za-z0-9]/g, '').length;
      let out = '';
      for (let i = 0; i < value.length; i++) {
        const ch = value[i] ?? '';
        if (!isAlnum(value.charCodeAt(i))) {
          out += ch;
          continue;
        }
        alnumSeen++;
        out += alnumSeen <= 2 || alnumSeen > total - 4 ? ch : '*';
      }
      return out;
    }
    case 'IP_ADDRESS':
      return value.includes(':') ? `${value.slice(0, value.indexOf(':'))}:****:****` : `${value.slice(0, value.indexOf('.'))}.***.***.***`;
    case 'API_KEY': {
      const prefix = KEY_PREFIX.exec(value)?.[0] ?? '';
      // Short or unprefixed secrets get no tail: four characters of a 16-char secret are too much.
      return prefix && value.length >= 24 ? `${prefix}****${value.slice(-4)}` : '********';
    }
    case 'PASSWORD':
      return '********';
    default:
      return '****';
  }
}
