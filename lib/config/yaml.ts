// Reads a config file's YAML as LiteLLM's PyYAML (`yaml.safe_load`, YAML 1.1) does, so a LiteLLM config means the
// same thing here: `20_000` and `1_000.5` are numbers, `yes`/`no`/`on`/`off` booleans, `0777` octal, `<<: *anchor`
// merges a mapping. Two deliberate differences: a date (`2023-05-15`) stays the text written (Helix has no date
// settings, and a string setting then gets what the file says), and `y`/`n` stay strings as PyYAML keeps them.
// A key written twice in one mapping is what PyYAML accepts (the last one wins): a warning, not an error.
import { parseDocument, type Tags } from 'yaml';

const TIMESTAMP = 'tag:yaml.org,2002:timestamp';
const BOOL = 'tag:yaml.org,2002:bool';
/** PyYAML's booleans (its resolver's regular expression), narrower than the YAML 1.1 spec's. */
const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT = 'tag:yaml.org,2002:int';
/** PyYAML's base-60 integers (`1:30` is 90) start with 1-9: `00:00` stays text. */
const PYYAML_SEXAGESIMAL = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;

function pyyamlTags(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP)
    .map((t) => {
      if (typeof t === 'string' || !('test' in t) || !t.test) return t;
      if (t.tag === BOOL) return { ...t, test: t.test.test('true') ? PYYAML_TRUE : PYYAML_FALSE };
      if (t.tag === INT && t.format === 'TIME') return { ...t, test: PYYAML_SEXAGESIMAL };
      return t;
    });
}

export class YamlError extends Error {}

/** The YAML version and tags of this reader; given to the writer, strings such as `yes` or `1_000` come out quoted. */
export const CONFIG_YAML_OUTPUT = { version: '1.1', customTags: pyyamlTags } as const;

/** The file's tree, and a note for each key written twice in one mapping (the last value counts, as in PyYAML). */
export function parseConfigYaml(text: string): { tree: unknown; notes: string[] } {
  const options = CONFIG_YAML_OUTPUT;
  let doc = parseDocument(text, { ...options, uniqueKeys: true, prettyErrors: true });
  const notes = doc.errors
    .filter((e) => e.code === 'DUPLICATE_KEY')
    .map((e) => `line ${e.linePos?.[0].line ?? '?'}: a key written twice in one mapping (the last value counts, as in LiteLLM)`);
  if (notes.length > 0) doc = parseDocument(text, { ...options, uniqueKeys: false, prettyErrors: true });
  const [error] = doc.errors;
  if (error) throw new YamlError(error.message);
  try {
    // maxAliasCount bounds the expansion of aliases: a "billion laughs" file fails instead of exhausting memory.
    return { tree: doc.toJS({ maxAliasCount: 1000 }) ?? {}, notes };
  } catch (err) {
    throw new YamlError((err as Error).message);
  }
}
