// Word lists of the semantic-hit verifier (verify.ts). General English, not tuned to one data set: they say which
// words never change what a prompt asks (politeness, framing, function words), which words are interchangeable,
// and which discrete details (units, formats, negations, opposites) must agree between two prompts.

/** Politeness and request framing, removed before comparing (outside quoted text only). */
export const POLITENESS_PATTERNS: readonly RegExp[] = [
  // Contractions are already expanded or dropped ("I'd" → "i", "don't" → "do not") when these run.
  /\b(?:hi|hello|hey|greetings|dear)(?: there| all| team)?\b[!,.]*/g,
  /\bgood (?:morning|afternoon|evening)\b[!,.]*/g,
  /\b(?:many thanks|much appreciated|if you do not mind|if possible|sorry to bother you,?(?: but)?)\b[!.]*/g,
  /\b(?:thanks|thank you|thx)(?: (?:so|very) much| a lot| in advance| again)?\b[!.]*/g,
  /\b(?:could|can|would|will) you(?: please| kindly)?(?: be so kind as to| mind| help me(?: to)?)?\b/g,
  /\bi(?: would)?(?: really)? (?:love|like) to know\b/g,
  /\bi(?: would)?(?: really)? appreciate (?:it )?if you could\b/g,
  /\bi (?:was|am) wondering(?: if)?\b/g,
  /\b(?:please|kindly)\b/g,
  /\bfor me\b/g,
];

/** Function words: ignored when comparing content. Negations, question words and numbers are handled separately. */
export const STOPWORDS = new Set(
  (
    'a an the of in on at for to from with by about as into onto like through over between out against during before after under around among ' +
    'i me my mine myself you your yours we us our ours it its they them their this that these those he she him her his hers ' +
    'is are was were be been being am do does did doing done have has had having can could would should will shall may might must ' +
    'what which how why whats hows im id ive ill youre dont ' +
    'and or but if then so too very just also there here some any such own other else ' +
    'up off again further once ever still yet already even both either each every all vs versus'
  ).split(' '),
);

/** Words that frame a request without changing what is asked ("explain", "tell me", "what's the way to"). */
export const FRAMING_WORDS = new Set(
  (
    'explain explaining explained describe describing tell telling show showing give giving provide share help helping understand know ' +
    'remind want wanted wondering question answer let write compose name list recommend suggest number say way ways best process steps step command commands method methods approach ' +
    'go going about syntax possible able exactly actually really basically quite thing things something stuff kind sort_of ' +
    'get getting use using used look looking work works working happen happens mind lot much'
  ).split(' '),
);

/** Interchangeable words: each group compares as its first word. Matched on stems (see verify.ts). */
export const SYNONYM_GROUPS: readonly string[][] = [
  ['create', 'make', 'build', 'generate', 'set'],
  ['delete', 'remove', 'erase', 'drop', 'rid'],
  ['fix', 'repair', 'solve', 'resolve'],
  ['start', 'begin'],
  ['big', 'large', 'huge'],
  ['small', 'little', 'tiny'],
  ['fast', 'quick', 'quickly', 'rapid', 'speedy', 'faster', 'quicker'],
  ['slow', 'sluggish'],
  ['show', 'display'],
  ['find', 'locate'],
  ['need', 'require'],
  ['difference', 'differ', 'different', 'distinguish'],
  ['meaning', 'mean', 'means', 'definition', 'define'],
  ['summary', 'summarize', 'summarise', 'overview', 'recap'],
  ['improve', 'enhance', 'boost'],
  ['learn', 'study'],
  ['buy', 'purchase'],
  ['author', 'wrote', 'written', 'writer'],
  ['idea', 'option', 'suggestion', 'recommendation', 'tip', 'advice'],
  ['calculate', 'compute'],
  ['dictionary', 'dict'],
  ['integer', 'int'],
  ['boolean', 'bool'],
  ['repository', 'repo'],
  ['configuration', 'config'],
  ['database', 'db'],
  ['parameter', 'param'],
  ['argument', 'arg'],
  ['medication', 'medicine', 'meds'],
  ['sign', 'symptom', 'indicate'],
  ['car', 'vehicle', 'automobile'],
  ['kid', 'child', 'children'],
  ['photo', 'picture', 'image'],
  ['movie', 'film'],
  ['app', 'application'],
  ['website', 'site', 'webpage'],
  ['tall', 'tallest', 'high', 'highest'],
  ['fun', 'interesting', 'cool'],
  ['main', 'mainly', 'primary', 'major'],
  ['center', 'centre'],
  ['color', 'colour'],
  ['lift', 'raise'],
  ['turn', 'convert'],
  ['check', 'verify'],
];

/** Units and currencies (including symbols) → one name per unit. Sets must agree. */
export const UNITS: Readonly<Record<string, string>> = {
  km: 'km', kms: 'km', kilometer: 'km', kilometers: 'km', kilometre: 'km', kilometres: 'km',
  mile: 'mile', miles: 'mile', mi: 'mile',
  meter: 'm', meters: 'm', metre: 'm', metres: 'm',
  cm: 'cm', centimeter: 'cm', centimeters: 'cm', centimetre: 'cm', centimetres: 'cm',
  mm: 'mm', millimeter: 'mm', millimeters: 'mm',
  inch: 'inch', inches: 'inch', foot: 'foot', feet: 'foot', ft: 'foot', yard: 'yard', yards: 'yard',
  kg: 'kg', kgs: 'kg', kilogram: 'kg', kilograms: 'kg', kilo: 'kg', kilos: 'kg',
  gram: 'g', grams: 'g', mg: 'mg', milligram: 'mg', milligrams: 'mg',
  lb: 'lb', lbs: 'lb', pound: 'lb', pounds: 'lb', oz: 'oz', ounce: 'oz', ounces: 'oz', ton: 'ton', tons: 'ton', tonne: 'ton', tonnes: 'ton',
  liter: 'l', liters: 'l', litre: 'l', litres: 'l', ml: 'ml', milliliter: 'ml', milliliters: 'ml',
  gallon: 'gallon', gallons: 'gallon', quart: 'quart', quarts: 'quart', pint: 'pint', pints: 'pint',
  cup: 'cup', cups: 'cup', tablespoon: 'tbsp', tablespoons: 'tbsp', tbsp: 'tbsp', teaspoon: 'tsp', teaspoons: 'tsp', tsp: 'tsp',
  celsius: 'celsius', centigrade: 'celsius', fahrenheit: 'fahrenheit', kelvin: 'kelvin',
  seconds: 'second', sec: 'second', secs: 'second', minute: 'minute', minutes: 'minute', min: 'minute', mins: 'minute',
  hour: 'hour', hours: 'hour', hr: 'hour', hrs: 'hour', day: 'day', days: 'day', week: 'week', weeks: 'week',
  month: 'month', months: 'month', year: 'year', years: 'year', decade: 'decade', decades: 'decade', century: 'century', centuries: 'century',
  mph: 'mph', kmh: 'kmh', kph: 'kmh',
  percent: 'percent', percentage: 'percent', '%': 'percent',
  dollar: 'usd', dollars: 'usd', usd: 'usd', $: 'usd', euro: 'eur', euros: 'eur', eur: 'eur', '€': 'eur',
  gbp: 'gbp', sterling: 'gbp', '£': 'gbp', yen: 'jpy', jpy: 'jpy', '¥': 'jpy', yuan: 'cny', rupee: 'inr', rupees: 'inr',
  byte: 'byte', bytes: 'byte', kb: 'kb', mb: 'mb', gb: 'gb', tb: 'tb',
  watt: 'watt', watts: 'watt', kw: 'kw', kwh: 'kwh', volt: 'volt', volts: 'volt', calorie: 'calorie', calories: 'calorie', kcal: 'calorie',
};

/** Output formats and forms. Sets must agree ("as JSON" is not "as CSV", "a poem" is not "a list of steps"). */
export const FORMATS: Readonly<Record<string, string>> = {
  json: 'json', yaml: 'yaml', yml: 'yaml', csv: 'csv', tsv: 'tsv', xml: 'xml', html: 'html', markdown: 'markdown', latex: 'latex', pdf: 'pdf',
  table: 'table', tables: 'table', tabular: 'table', bullet: 'bullets', bullets: 'bullets', bulleted: 'bullets',
  paragraph: 'paragraph', paragraphs: 'paragraph', sentence: 'sentence', sentences: 'sentence',
  poem: 'poem', poems: 'poem', poetry: 'poem', haiku: 'haiku', limerick: 'limerick', sonnet: 'sonnet', rhyme: 'rhyme', rhymes: 'rhyme', rhyming: 'rhyme',
  essay: 'essay', tweet: 'tweet', song: 'song', story: 'story', joke: 'joke', outline: 'outline', diagram: 'diagram', chart: 'chart',
  stepwise: 'stepwise', example: 'example', examples: 'example', code: 'code', snippet: 'code',
};

/** Negation cues → class; the multiset of classes must agree. Contractions are expanded before matching. */
export const NEGATIONS: Readonly<Record<string, string>> = {
  not: 'not', no: 'no', never: 'never', without: 'without', none: 'none', nothing: 'none', nobody: 'none', nowhere: 'none',
  nor: 'nor', neither: 'nor', avoid: 'avoid', avoiding: 'avoid', except: 'except', excluding: 'except', exclude: 'except',
  lack: 'lack', lacking: 'lack', cannot: 'not',
};

/** Question words → the kind of answer they ask for (a person, a time, a place, a reason, a manner, an amount). */
export const ANSWER_TYPES: Readonly<Record<string, string>> = {
  who: 'person', whom: 'person', whose: 'person', when: 'time', where: 'place', why: 'reason', how: 'manner',
};
/** "how many", "how long", … ask for an amount, not a manner. */
export const AMOUNT_AFTER_HOW = new Set(['many', 'much', 'long', 'far', 'big', 'old', 'tall', 'often', 'fast', 'large', 'high', 'deep', 'heavy']);

/** Words whose neighbours carry a direction: "A to B", "from A", "A than B", "A orbits B". */
export const DIRECTION_CONNECTORS = new Set(['to', 'into', 'from', 'than', 'orbit', 'orbits', 'cause', 'causes', 'affect', 'affects', 'beat', 'beats', 'defeat', 'defeated', 'replace', 'replaces', 'in']);

/** Opposites: never treated as typos or synonyms of each other. */
export const OPPOSITES: readonly [string, string][] = [
  ['install', 'uninstall'], ['encrypt', 'decrypt'], ['encode', 'decode'], ['upload', 'download'], ['upgrade', 'downgrade'],
  ['ascending', 'descending'], ['maximum', 'minimum'], ['max', 'min'], ['open', 'close'], ['advantage', 'disadvantage'],
  ['increase', 'decrease'], ['buy', 'sell'], ['import', 'export'], ['push', 'pull'], ['enable', 'disable'], ['before', 'after'],
  ['above', 'below'], ['more', 'less'], ['most', 'least'], ['higher', 'lower'], ['serialize', 'deserialize'], ['compress', 'decompress'],
  ['lock', 'unlock'], ['mount', 'unmount'], ['connect', 'disconnect'], ['subscribe', 'unsubscribe'], ['input', 'output'],
  ['inbound', 'outbound'], ['first', 'last'], ['allow', 'deny'], ['accept', 'reject'], ['legal', 'illegal'], ['inner', 'outer'],
  ['internal', 'external'], ['public', 'private'], ['prefix', 'suffix'], ['lowercase', 'uppercase'],
];
