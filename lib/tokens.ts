// Token counting like OpenAI's (o200k_base), for providers that report no usage and for budget estimates.
//
// Counted here rather than with js-tiktoken's encoder, whose merge loop is quadratic in a pre-tokenizer piece's length
// (a run of 50,000 copies of one letter takes minutes). This counter applies the same byte-pair merges with cached
// pair ranks and cuts pieces longer than MAX_PIECE_BYTES (BPE never merges across pieces, so ordinary text counts
// exactly). A TokenCounter tokenizes at most EXACT_COUNT_MAX_CHARS and estimates the rest from samples and length, so
// counting one request costs about the same however its text is split, and never more than a bounded amount.
// Special-token strings such as "<|endoftext|>" are counted as plain text, as OpenAI does for message content.
import o200k from 'js-tiktoken/ranks/o200k_base';

/** Longer pieces (a run of one letter, a long blob without spaces) are merged in chunks of this many bytes. */
export const MAX_PIECE_BYTES = 64;

/** How many UTF-16 units one TokenCounter tokenizes (whole texts, then samples); the rest is estimated. */
export const EXACT_COUNT_MAX_CHARS = 1 << 18;

/** Evenly spaced samples an estimate is taken from, each at least MIN_SAMPLE_CHARS long. */
const ESTIMATE_SAMPLES = 64;
const MIN_SAMPLE_CHARS = 64;

/** The estimate's floor (English runs at about four bytes a token, CJK at about three, rare emoji at two). */
const MAX_BYTES_PER_ESTIMATED_TOKEN = 4;

/** Token bytes (one char per byte, latin1) → rank, the merge priority (lower merges first). */
let ranks: Map<string, number> | undefined;

function loadRanks(): Map<string, number> {
  const table = new Map<string, number>();
  for (const line of o200k.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset = '0', ...tokens] = line.split(' ');
    const first = Number.parseInt(offset, 10);
    tokens.forEach((token, i) => table.set(Buffer.from(token, 'base64').toString('latin1'), first + i));
  }
  return table;
}

const rankTable = (): Map<string, number> => (ranks ??= loadRanks());

/** A piece's UTF-8 bytes as a latin1 string, the rank table's key form (ASCII is already that). */
function utf8Bytes(piece: string): string {
  return Buffer.byteLength(piece, 'utf8') === piece.length ? piece : Buffer.from(piece, 'utf8').toString('latin1');
}

// Scratch for mergedLength (pieces are merged at most MAX_PIECE_BYTES at a time): where each part starts, and the rank
// of merging each part with the next one.
const partStarts = new Int32Array(MAX_PIECE_BYTES + 1);
const pairRanks = new Float64Array(MAX_PIECE_BYTES);

function rankOfPair(bytes: string, parts: number, i: number, table: Map<string, number>): number {
  return i + 1 < parts ? (table.get(bytes.slice(partStarts[i], partStarts[i + 2])) ?? Infinity) : Infinity;
}

/**
 * How many tokens byte-pair merging makes of `bytes`: repeatedly merge the adjacent pair whose union has the lowest
 * rank (leftmost on ties), as tiktoken does. Pair ranks are kept and only the two next to a merge are looked up again.
 */
function mergedLength(bytes: string, table: Map<string, number>): number {
  if (bytes.length < 2 || table.has(bytes)) return 1;
  let parts = bytes.length;
  for (let i = 0; i <= parts; i++) partStarts[i] = i;
  for (let i = 0; i < parts - 1; i++) pairRanks[i] = rankOfPair(bytes, parts, i, table);
  while (parts > 1) {
    let best = 0;
    for (let i = 1; i < parts - 1; i++) if (pairRanks[i]! < pairRanks[best]!) best = i;
    if (pairRanks[best] === Infinity) break;
    partStarts.copyWithin(best + 1, best + 2, parts + 1);
    pairRanks.copyWithin(best + 1, best + 2, parts - 1);
    parts--;
    pairRanks[best] = rankOfPair(bytes, parts, best, table);
    if (best > 0) pairRanks[best - 1] = rankOfPair(bytes, parts, best - 1, table);
  }
  return parts;
}

function countPiece(piece: string, table: Map<string, number>): number {
  const bytes = utf8Bytes(piece);
  if (bytes.length <= MAX_PIECE_BYTES) return mergedLength(bytes, table);
  let total = 0;
  for (let at = 0; at < bytes.length; at += MAX_PIECE_BYTES) total += mergedLength(bytes.slice(at, at + MAX_PIECE_BYTES), table);
  return total;
}

/** o200k's pre-tokenizer: words with their leading space, up to three digits, punctuation runs, whitespace. */
const pieces = new RegExp(o200k.pat_str, 'gu');

function countExactly(text: string): number {
  const table = rankTable();
  let total = 0;
  pieces.lastIndex = 0;
  for (let match = pieces.exec(text); match; match = pieces.exec(text)) total += countPiece(match[0], table);
  return total;
}

/**
 * Counts the texts of one request with one allowance of tokenizing between them. Texts are counted exactly while the
 * allowance lasts; a text that does not fit is estimated at the rate of samples taken with what is left of it (or, with
 * nothing left, at the rate counted so far), and at least one token per MAX_BYTES_PER_ESTIMATED_TOKEN bytes, so cheap
 * text where the samples fall cannot make the rest look free.
 */
export class TokenCounter {
  private exactLeft = EXACT_COUNT_MAX_CHARS;
  private countedChars = 0;
  private countedTokens = 0;

  count(text: string): number {
    if (!text) return 0;
    if (text.length <= this.exactLeft) return this.counted(text.length, countExactly(text));
    const canSample = this.exactLeft >= ESTIMATE_SAMPLES * MIN_SAMPLE_CHARS;
    const rate = canSample ? this.sampledRate(text) : this.countedTokens / Math.max(1, this.countedChars);
    this.exactLeft = 0;
    return Math.ceil(Math.max(rate * text.length, Buffer.byteLength(text, 'utf8') / MAX_BYTES_PER_ESTIMATED_TOKEN));
  }

  /** Tokens per char in evenly spaced samples of `text`, which use up the allowance. */
  private sampledRate(text: string): number {
    const sampleChars = Math.floor(this.exactLeft / ESTIMATE_SAMPLES);
    const stride = text.length / ESTIMATE_SAMPLES;
    let tokens = 0;
    for (let i = 0; i < ESTIMATE_SAMPLES; i++) {
      const at = Math.floor(i * stride);
      tokens += this.counted(sampleChars, countExactly(text.slice(at, at + sampleChars)));
    }
    return tokens / (sampleChars * ESTIMATE_SAMPLES);
  }

  private counted(chars: number, tokens: number): number {
    this.exactLeft -= chars;
    this.countedChars += chars;
    this.countedTokens += tokens;
    return tokens;
  }
}

/** One text's tokens (exact up to EXACT_COUNT_MAX_CHARS); use one TokenCounter for all texts of a request. */
export function countTokens(text: string): number {
  return new TokenCounter().count(text);
}

