// Word lists of the semantic-hit verifier (verify.ts). General English, not tuned to one data set, and only a
// supplement: which words are synonyms is decided by the embedding model's contextual vectors (verify-align.ts).
// These lists say which words never change what a prompt asks (politeness, framing, function words), which
// discrete details (units, formats, negations) must agree, and which pairs of words are opposites — the one thing
// embeddings get wrong (an antonym sits in the same contexts as its word).

/** Politeness and request framing, removed before comparing (outside quoted text and code only). */
export const POLITENESS_PATTERNS: readonly RegExp[] = [
  /\b(?:hi|hiya|heya|howdy|hello|hey|greetings|dear|yo|hola|bonjour|ciao|salut|hallo)(?: there| all| team| again| assistant| folks| everyone)?\b/g,
  /\bgood (?:morning|afternoon|evening|day)\b/g,
  // a greeting's vocative, whoever is addressed ("Hello doctor,", "Hi coach!", "Dear support,")
  /\b(?:hi|hello|hey|dear|morning|evening)(?: there)? [a-z]+(?: [a-z]+)?(?=\s*[,!.:])/g,
  // a vocative opening the prompt or closing a clause ("Doc, what …", "Quick question, buddy: …")
  /(?:^\s*|, )(?:doc|doctor|buddy|mate|pal|dude|bro|man|guys|folks|friend|friends|sir|madam|ma'am|boss|chief|everyone|team|gpt|chatgpt|assistant|bot)(?=\s*[,!.:?])/g,
  // closings and apologies for asking ("Regards.", "Excuse me,", "if it's not too much trouble", "sorry if this is a basic question, but")
  /\b(?:(?:best|kind|warm) )?regards\b/g,
  /\b(?:excuse|pardon) me\b/g,
  /\bif it(?:'s| is) not too much (?:trouble|to ask)\b/g,
  /\bsorry (?:to (?:bother|trouble|bug|pester|disturb) you|if this is an? (?:[a-z]+ ){0,2}question)(?:,? but)?\b/g,
  /\b(?:many thanks|much appreciated|appreciate (?:it|your help|the help)|if you (?:do not|don't) mind|if possible|cheers)\b/g,
  /\bsorry(?: to (?:bother|bug|pester|disturb) you| for the (?:dumb|stupid|silly|basic) question| for asking)?\b/g,
  /\b(?:thanks|thank you|thank u|thanx|thnx|thx|ty|tysm)(?: (?:so|very) much| a lot| a bunch| a ton| a million| heaps| loads| in advance| again)?(?: for (?:your|the) (?:time|help)(?: earlier| today| before)?)?(?: x+\b)?\b/g,
  /\b(?:obrigad[oa]|gracias|merci(?: beaucoup)?|danke(?: sch[oö]n)?|grazie(?: mille)?|arigat[oō]|spasibo|kiitos|tack|takk)\b/g,
  /\b(?:pretty )?(?:please|pls|plz|pleeease|pleease)(?: and thank you)?\b/g,
  /\b(?:any|all|your)? ?(?:help|advice|input|tips?)? ?(?:is|would be|will be)? ?(?:much|greatly|really|highly|hugely)? ?appreciated\b/g,
  /\byou(?:'re| are) (?:a |the )?(?:lifesaver|life saver|star|legend|champ|gem|hero|best)\b/g,
  /\byou rock\b/g,
  /\bkindly\b/g,
  /\b(?:could|can|would|will) (?:you|u)(?: please| kindly| possibly)?(?: be so kind as to| mind| help me(?: to)?)?\b/g,
  /\bi(?: would|'d)?(?: really)? (?:love|like) to (?:know|ask|learn)\b/g,
  /\bi(?: would|'d)?(?: really)? (?:love|like|appreciate) it if you (?:could|would|can)\b/g,
  /\bi(?: would|'d)?(?: really)? (?:appreciate|be (?:really |so |very |most )?grateful)(?: it)?(?: if you (?:could|can|would))?\b/g,
  /\bi (?:was|am|'m) hoping (?:that )?you (?:could|can|would|might)\b/g,
  /\bif you have a (?:moment|minute|sec|second)\b/g,
  /\bmay i ask(?: you)?\b/g,
  /\b(?:help me |could you |can you )?walk(?:ing)? me through\b/g,
  /\bi (?:was|am|'m) wondering(?: if)?\b/g,
  /\b(?:i )?hope you(?: are|'re) (?:doing )?(?:well|good|fine|great|ok|okay)\b/g,
  /\bhope (?:all is well|you(?: are|'re) well)\b/g,
  /\b(?:quick|one more|a quick|random|simple|dumb|silly) question\b/g,
  /\bquick one\b/g,
  /\bone more(?: thing| question| quick one)?(?=\s*[:,!?.])/g,
  /\b(?:help me |could you help me |can you help me )?figure out\b/g,
  /\bi(?:'d| would)?(?: really)? (?:appreciate|love|welcome) (?:some|any|your) (?:advice|help|input|tips|thoughts)\b/g,
  /\bcan you help(?: me)?\b/g,
  // conversational formulas that frame a question without adding to it
  /\b(?:just|i(?:'m| am)(?: just)?) curious\b/g,
  /\bout of curiosity\b/g,
  /\brandom (?:thought|question)\b/g,
  /\bnot sure if this is the right place to ask(?:,? but)?\b/g,
  /\bi(?:'ve| have) always wondered(?: about this)?\b/g,
  /\b(?:i have|i've got|got) a (?:quick )?question\b/g,
  /\bcan i ask(?: you)?(?: something| a question)?\b/g,
  /\blet me ask(?: you)?(?: something)?\b/g,
  /\bnothing urgent\b/g,
  /\blong story short\b/g,
  /^\s*(?:so|okay|ok|well|um|hmm|alright)\b/g,
  /\bhelp me understand\b/g,
  /\bfor me\b/g,
];

/** Function words: never compared as content. Negations, question words and numbers are handled on their own. */
export const FUNCTION_WORDS = new Set(
  (
    'a an the of in on at for to from with by about as into onto like through over between against during before after under around among within upon per via ' +
    'i me my mine myself you your yours yourself we us our ours it its they them their theirs this that these those he she him her his hers one ones someone somebody something anything everything ' +
    'is are was were be been being am did have has had having can could would should will shall may might must ' +
    'what which whats s m re ve ll d t ' +
    'and or but if then so too very just also there here some any such own other else than ' +
    'up off out again further once ever still yet already even both either each every all vs versus etc ' +
    'using via'
  ).split(' '),
);

/** Words that frame a request without changing what is asked ("explain", "tell me", "what's the way to"). */
export const FRAMING_WORDS = new Set(
  (
    'explain describe tell show give provide share help understand know let write name list say remind advise ' +
    'get gets getting got go goes going make makes making made do does doing done ' +
    'way ways method methods approach procedure process command commands syntax possible able ' +
    'exactly actually really basically honestly quite truly generally usually typically ' +
    'thing things stuff kind sort question answer idea overview information info ' +
    'want wanted need needed wonder wondering curious ask asking looking trying try ' +
    'please sure okay ok well anyway now also work works working currently presently look looks seem seems'
  ).split(' '),
);

/** Question words → the kind of answer they ask for. Two prompts that both name one must name the same kind. */
export const ANSWER_TYPES: Readonly<Record<string, string>> = {
  who: 'person', whom: 'person', whose: 'person', when: 'time', where: 'place', why: 'reason', how: 'manner',
};
/** "how many", "how long", … ask for an amount, not a manner. */
export const AMOUNT_AFTER_HOW = new Set(['many', 'much', 'long', 'far', 'big', 'old', 'tall', 'often', 'frequently', 'fast', 'large', 'high', 'deep', 'heavy', 'soon', 'late', 'early']);
/** Content words that ask what a question word asks ("what causes" = "why", "in what year" = "when"). */
export const ANSWER_WORDS: Readonly<Record<string, string>> = {
  cause: 'reason', causes: 'reason', caused: 'reason', reason: 'reason', reasons: 'reason', purpose: 'reason',
  year: 'time', date: 'time', time: 'time', day: 'time',
  place: 'place', location: 'place', city: 'place', country: 'place',
  person: 'person', author: 'person', inventor: 'person',
  many: 'amount', much: 'amount', number: 'amount', amount: 'amount', cost: 'amount', price: 'amount', long: 'amount',
  way: 'manner', ways: 'manner', steps: 'manner', method: 'manner', procedure: 'manner', process: 'manner',
};

/** Coordinations: swapping their two sides keeps the meaning ("rent or buy" = "buy or rent"). */
export const COORDINATORS = new Set(['and', 'or', 'nor', 'vs', 'versus', ',', '&', '/', 'plus', 'between', 'both', 'either', 'neither']);

/** Negation cues → class; the multiset of classes must agree. */
export const NEGATIONS: Readonly<Record<string, string>> = {
  not: 'not', no: 'no', never: 'never', without: 'without', none: 'none', nothing: 'none', nobody: 'none', nowhere: 'none',
  nor: 'nor', neither: 'nor', cannot: 'not', dont: 'not', doesnt: 'not', didnt: 'not', isnt: 'not', arent: 'not', wasnt: 'not',
  werent: 'not', cant: 'not', couldnt: 'not', wouldnt: 'not', shouldnt: 'not', wont: 'not', havent: 'not', hasnt: 'not',
  except: 'except', excluding: 'except', exclude: 'except', excludes: 'except', lacking: 'without', lack: 'without', lacks: 'without',
  avoid: 'avoid', avoiding: 'avoid', free: 'without',
};
/** Contractions the tokenizer splits as "don ' t": the part before the apostrophe. */
export const NEGATED_AUXILIARIES = new Set(['don', 'doesn', 'didn', 'isn', 'aren', 'wasn', 'weren', 'can', 'couldn', 'wouldn', 'shouldn', 'won', 'haven', 'hasn', 'hadn', 'mustn', 'ain', 'needn']);

/** Output formats and forms. Sets must agree ("as JSON" is not "as CSV", "a poem" is not "a list of steps"). */
export const FORMATS: Readonly<Record<string, string>> = {
  json: 'json', yaml: 'yaml', yml: 'yaml', csv: 'csv', tsv: 'tsv', xml: 'xml', html: 'html', markdown: 'markdown', latex: 'latex', pdf: 'pdf',
  svg: 'svg', png: 'png', jpg: 'jpeg', jpeg: 'jpeg', gif: 'gif', docx: 'docx', xlsx: 'xlsx',
  table: 'table', tables: 'table', tabular: 'table', bullet: 'bullets', bullets: 'bullets', bulleted: 'bullets',
  paragraph: 'paragraph', paragraphs: 'paragraph', sentence: 'sentence', sentences: 'sentence', word: 'word', words: 'word',
  poem: 'poem', poems: 'poem', poetry: 'poem', haiku: 'haiku', limerick: 'limerick', sonnet: 'sonnet', rhyme: 'rhyme', rhyming: 'rhyme',
  essay: 'essay', tweet: 'tweet', song: 'song', story: 'story', joke: 'joke', outline: 'outline', diagram: 'diagram', chart: 'chart',
  email: 'email', letter: 'letter', memo: 'memo',
  hexadecimal: 'hex', hex: 'hex', binary: 'binary', octal: 'octal', decimal: 'decimal', fraction: 'fraction', roman: 'roman',
};

/** Digits for number words (ordinals too, except "first": "first time", "at first"). */
export const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
  eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16', seventeen: '17', eighteen: '18',
  nineteen: '19', twenty: '20', thirty: '30', forty: '40', fifty: '50', sixty: '60', seventy: '70', eighty: '80', ninety: '90',
  hundred: '100', thousand: '1000', dozen: '12',
  second: '2', third: '3', fourth: '4', fifth: '5', sixth: '6', seventh: '7', eighth: '8', ninth: '9', tenth: '10',
};

export interface UnitInfo {
  /** The unit as named ("km"). */
  name: string;
  /** Base unit of its family ("m") and this unit's size in it (1000). */
  base: string;
  factor: number;
  /** Counts when named without a number ("in miles"); abbreviations that are also words ("m", "in", "min") do not. */
  named: boolean;
}

const UNIT_TABLE: ReadonlyArray<[name: string, base: string, factor: number, named: boolean, aliases: string]> = [
  ['mm', 'm', 0.001, true, 'mm millimeter millimeters millimetre millimetres'],
  ['cm', 'm', 0.01, true, 'cm centimeter centimeters centimetre centimetres'],
  ['m', 'm', 1, true, 'meter meters metre metres'],
  ['m', 'm', 1, false, 'm'],
  ['km', 'm', 1000, true, 'km kms kilometer kilometers kilometre kilometres'],
  ['inch', 'inch', 1, true, 'inch inches'],
  ['foot', 'foot', 1, true, 'foot feet ft'],
  ['yard', 'yard', 1, true, 'yard yards yd'],
  ['mile', 'mile', 1, true, 'mile miles'],
  ['mile', 'mile', 1, false, 'mi'],
  ['mg', 'g', 0.001, true, 'mg milligram milligrams'],
  ['g', 'g', 1, true, 'gram grams grammes'],
  ['g', 'g', 1, false, 'g gr'],
  ['kg', 'g', 1000, true, 'kg kgs kilogram kilograms kilo kilos'],
  ['tonne', 'g', 1e6, true, 'tonne tonnes'],
  ['ton', 'ton', 1, true, 'ton tons'],
  ['lb', 'lb', 1, true, 'lb lbs pound pounds'],
  ['oz', 'oz', 1, true, 'oz ounce ounces'],
  ['floz', 'floz', 1, true, 'floz,fl oz,fl. oz'],
  ['ml', 'ml', 1, true, 'ml milliliter milliliters millilitre millilitres'],
  ['l', 'ml', 1000, true, 'liter liters litre litres'],
  ['l', 'ml', 1000, false, 'l'],
  ['cup', 'cup', 1, true, 'cup cups'],
  ['tbsp', 'tbsp', 1, true, 'tbsp tbs tablespoon tablespoons'],
  ['tsp', 'tsp', 1, true, 'tsp teaspoon teaspoons'],
  ['gallon', 'gallon', 1, true, 'gallon gallons gal'],
  ['quart', 'quart', 1, true, 'quart quarts qt'],
  ['pint', 'pint', 1, true, 'pint pints'],
  ['celsius', 'celsius', 1, true, 'celsius centigrade °c,degrees celsius,degrees c'],
  ['celsius', 'celsius', 1, false, 'c'],
  ['fahrenheit', 'fahrenheit', 1, true, 'fahrenheit °f,degrees fahrenheit,degrees f'],
  ['fahrenheit', 'fahrenheit', 1, false, 'f'],
  ['kelvin', 'kelvin', 1, true, 'kelvin,degrees kelvin'],
  // Time: named without a number they are usually phrasing ("what year", "per day"), so only quantities count.
  ['second', 's', 1, false, 'second seconds sec secs'],
  ['minute', 's', 60, false, 'minute minutes min mins'],
  ['hour', 's', 3600, false, 'hour hours hr hrs h'],
  ['day', 's', 86400, false, 'day days'],
  ['week', 's', 604800, false, 'week weeks wk wks'],
  ['month', 'month', 1, false, 'month months'],
  ['year', 'year', 1, false, 'year years yr yrs'],
  ['decade', 'year', 10, false, 'decade decades'],
  ['century', 'year', 100, false, 'century centuries'],
  ['mph', 'mph', 1, true, 'mph,miles per hour,mile per hour'],
  ['kmh', 'kmh', 1, true, 'kmh kph km/h,km per hour,kilometers per hour,kilometer per hour,kilometres per hour'],
  ['m/s', 'm/s', 1, true, 'm/s,meters per second,meter per second,metres per second'],
  ['km/s', 'km/s', 1, true, 'km/s,kilometers per second,kilometer per second,kilometres per second,km per second'],
  ['byte', 'byte', 1, true, 'byte bytes'],
  ['kb', 'byte', 1e3, true, 'kb kilobyte kilobytes'],
  ['mb', 'byte', 1e6, true, 'mb megabyte megabytes'],
  ['gb', 'byte', 1e9, true, 'gb gigabyte gigabytes gig gigs'],
  ['tb', 'byte', 1e12, true, 'tb terabyte terabytes'],
  ['percent', 'percent', 1, true, 'percent percentage % pct'],
  ['usd', 'usd', 1, true, '$ dollar dollars usd bucks'],
  ['eur', 'eur', 1, true, '€ euro euros eur'],
  ['gbp', 'gbp', 1, true, '£ gbp sterling quid'],
  ['jpy', 'jpy', 1, true, '¥ yen jpy'],
  ['cny', 'cny', 1, true, 'yuan rmb cny renminbi'],
  ['inr', 'inr', 1, true, '₹ rupee rupees inr'],
  ['calorie', 'calorie', 1, true, 'calorie calories kcal cal'],
  ['kwh', 'kwh', 1, true, 'kwh,kilowatt hour,kilowatt hours,kilowatt-hour,kilowatt-hours'],
  ['joule', 'joule', 1, true, 'joule joules'],
  ['kj', 'joule', 1000, true, 'kj kilojoule kilojoules'],
  ['watt', 'watt', 1, true, 'watt watts'],
  ['kw', 'watt', 1000, true, 'kw kilowatt kilowatts'],
  ['mw', 'watt', 1e6, true, 'megawatt megawatts'],
  ['volt', 'volt', 1, true, 'volt volts'],
  ['amp', 'amp', 1, true, 'amp amps ampere amperes'],
  ['ohm', 'ohm', 1, true, 'ohm ohms'],
  ['hz', 'hz', 1, true, 'hz hertz'],
  ['khz', 'hz', 1e3, true, 'khz kilohertz'],
  ['mhz', 'hz', 1e6, true, 'mhz megahertz'],
  ['ghz', 'hz', 1e9, true, 'ghz gigahertz'],
  ['newton', 'newton', 1, true, 'newton newtons'],
  ['pascal', 'pascal', 1, true, 'pascal pascals'],
  ['pascal', 'pascal', 1, false, 'pa'],
  ['psi', 'psi', 1, true, 'psi'],
  ['bar', 'bar', 1, false, 'bar bars'],
  ['btu', 'btu', 1, true, 'btu btus'],
  ['horsepower', 'horsepower', 1, true, 'horsepower'],
  ['horsepower', 'horsepower', 1, false, 'hp'],
  ['acre', 'acre', 1, true, 'acre acres'],
  ['hectare', 'hectare', 1, true, 'hectare hectares'],
  ['bit', 'bit', 1, false, 'bit bits'],
  ['kbps', 'bit/s', 1e3, true, 'kbps,kilobits per second'],
  ['mbps', 'bit/s', 1e6, true, 'mbps,megabits per second'],
  ['gbps', 'bit/s', 1e9, true, 'gbps,gigabits per second'],
];

/** Unit words and symbols, and phrases such as "degrees celsius" → unit. In the table, single words are separated by spaces, phrases by commas. */
export const UNITS: Readonly<Record<string, UnitInfo>> = Object.fromEntries(
  UNIT_TABLE.flatMap(([name, base, factor, named, aliases]) => {
    const [words = '', ...phrases] = aliases.split(',');
    return [...words.split(' '), ...phrases].filter(Boolean).map((alias) => [alias, { name, base, factor, named }]);
  }),
);

/**
 * Opposites (never aligned as synonyms). Pairs that only differ by a polarity prefix ("install"/"uninstall",
 * "encrypt"/"decrypt", "import"/"export") are found by rule (verify-align.ts); these are the others.
 */
export const OPPOSITES: readonly [string, string][] = [
  ['for', 'against'], ['pro', 'con'], ['pros', 'cons'], ['buy', 'sell'], ['buyer', 'seller'], ['push', 'pull'], ['open', 'close'], ['start', 'stop'], ['start', 'end'], ['begin', 'end'],
  ['high', 'low'], ['higher', 'lower'], ['highest', 'lowest'], ['good', 'bad'], ['better', 'worse'], ['best', 'worst'], ['well', 'badly'],
  ['before', 'after'], ['above', 'below'], ['over', 'under'], ['more', 'less'], ['more', 'fewer'], ['most', 'least'], ['first', 'last'],
  ['allow', 'deny'], ['allow', 'block'], ['allow', 'forbid'], ['accept', 'reject'], ['accept', 'decline'], ['always', 'never'],
  ['add', 'remove'], ['add', 'subtract'], ['add', 'delete'], ['insert', 'delete'], ['create', 'delete'], ['create', 'destroy'],
  ['win', 'lose'], ['won', 'lost'], ['gain', 'lose'], ['gain', 'loss'], ['profit', 'loss'], ['hot', 'cold'], ['warm', 'cool'],
  ['heavy', 'light'], ['early', 'late'], ['earliest', 'latest'], ['rise', 'fall'], ['raise', 'lower'], ['increase', 'reduce'],
  ['increase', 'lower'], ['grow', 'shrink'], ['expand', 'collapse'], ['expand', 'shrink'], ['enter', 'exit'], ['enter', 'leave'],
  ['arrive', 'depart'], ['arrival', 'departure'], ['top', 'bottom'], ['up', 'down'], ['upper', 'lower'], ['on', 'off'], ['in', 'out'],
  ['inside', 'outside'], ['front', 'back'], ['left', 'right'], ['north', 'south'], ['east', 'west'], ['max', 'min'],
  ['maximum', 'minimum'], ['maximize', 'minimize'], ['largest', 'smallest'], ['biggest', 'smallest'], ['big', 'small'],
  ['large', 'small'], ['long', 'short'], ['longest', 'shortest'], ['tall', 'short'], ['fast', 'slow'], ['faster', 'slower'],
  ['fastest', 'slowest'], ['cheap', 'expensive'], ['cheapest', 'most'], ['rich', 'poor'], ['old', 'new'], ['old', 'young'],
  ['oldest', 'newest'], ['oldest', 'youngest'], ['new', 'used'], ['easy', 'hard'], ['easy', 'difficult'], ['simple', 'complex'],
  ['safe', 'dangerous'], ['safe', 'toxic'], ['safe', 'harmful'], ['healthy', 'unhealthy'], ['true', 'false'], ['yes', 'no'],
  ['positive', 'negative'], ['pros', 'cons'], ['benefits', 'risks'], ['benefits', 'drawbacks'], ['advantages', 'drawbacks'],
  ['strength', 'weakness'], ['strengths', 'weaknesses'], ['love', 'hate'], ['like', 'dislike'], ['friend', 'enemy'],
  ['success', 'failure'], ['succeed', 'fail'], ['pass', 'fail'], ['include', 'omit'], ['keep', 'discard'], ['keep', 'remove'],
  ['save', 'discard'], ['save', 'spend'], ['lend', 'borrow'], ['lender', 'borrower'], ['give', 'take'], ['give', 'receive'], ['give', 'get'],
  ['send', 'receive'], ['sender', 'receiver'], ['ask', 'answer'], ['question', 'answer'],
  ['employer', 'employee'], ['landlord', 'tenant'], ['host', 'guest'], ['client', 'server'],
  ['input', 'output'], ['read', 'write'], ['load', 'save'], ['show', 'hide'], ['visible', 'hidden'], ['public', 'private'],
  ['internal', 'external'], ['inner', 'outer'], ['inbound', 'outbound'], ['incoming', 'outgoing'], ['ascending', 'descending'],
  ['asc', 'desc'], ['horizontal', 'vertical'], ['horizontally', 'vertically'], ['row', 'column'], ['rows', 'columns'],
  ['prefix', 'suffix'], ['lowercase', 'uppercase'], ['head', 'tail'], ['leading', 'trailing'], ['min', 'max'],
  ['zoom', 'shrink'], ['attach', 'detach'], ['join', 'leave'], ['join', 'split'], ['merge', 'split'], ['compress', 'extract'],
  ['zip', 'unzip'], ['freeze', 'thaw'], ['heat', 'cool'], ['heating', 'cooling'], ['wet', 'dry'], ['full', 'empty'],
  ['legal', 'illegal'], ['allowed', 'forbidden'], ['required', 'optional'], ['mandatory', 'optional'], ['sync', 'async'],
  ['synchronous', 'asynchronous'], ['static', 'dynamic'], ['strong', 'weak'], ['strongly', 'weakly'], ['hard', 'soft'],
  ['mutable', 'immutable'], ['shallow', 'deep'], ['before', 'since'], ['import', 'export'], ['upload', 'download'],
  ['good', 'poor'], ['best', 'bad'], ['happy', 'sad'], ['include', 'exclude'], ['includes', 'excludes'], ['with', 'without'],
  ['larger', 'smaller'], ['bigger', 'smaller'], ['longer', 'shorter'], ['older', 'younger'], ['newer', 'older'], ['cheaper', 'dearer'],
  ['morning', 'evening'], ['morning', 'night'], ['day', 'night'], ['daytime', 'nighttime'], ['today', 'tomorrow'], ['today', 'yesterday'],
  ['yesterday', 'tomorrow'], ['sunrise', 'sunset'], ['dawn', 'dusk'], ['past', 'future'], ['beginning', 'end'], ['start', 'finish'],
  ['men', 'women'], ['man', 'woman'], ['male', 'female'], ['boy', 'girl'], ['boys', 'girls'], ['son', 'daughter'], ['husband', 'wife'],
];

/** Words that stand for numbers or positions and align by spelling only ("the nineties" is not "the eighties"). */
export const NUMERIC_WORDS = new Set(
  (
    'single double triple quadruple twice thrice half quarter dozen couple pair first last next previous penultimate ' +
    'teens twenties thirties forties fifties sixties seventies eighties nineties hundreds thousands millions billions ' +
    'daily weekly monthly yearly annual annually hourly biweekly quarterly'
  ).split(' '),
);

/** Prefixes that turn a word into its opposite, alone ("un"+"lock") or in pairs ("en"/"de"+"crypt", "in"/"ex"+"port"). */
export const POLARITY_PREFIXES: readonly [string, string][] = [
  ['', 'un'], ['', 'de'], ['', 'dis'], ['', 'in'], ['', 'im'], ['', 'il'], ['', 'ir'], ['', 'non'], ['', 'anti'], ['', 'mis'],
  ['en', 'de'], ['en', 'dis'], ['in', 'de'], ['in', 'ex'], ['im', 'ex'], ['up', 'down'], ['in', 'out'], ['over', 'under'],
  ['pre', 'post'], ['a', 'de'], ['as', 'des'], ['inc', 'dec'], ['max', 'min'], ['up', 'low'], ['with', 'without'],
];

/** Irregular verb forms → the base form, so that inflections compare equal ("taught" / "teach"). */
export const IRREGULAR_VERBS: Readonly<Record<string, string>> = Object.fromEntries(
  (
    'taught:teach bought:buy brought:bring thought:think caught:catch sought:seek wrote:write written:write ate:eat eaten:eat ' +
    'gave:give given:give took:take taken:take went:go gone:go saw:see seen:see knew:know known:know found:find told:tell said:say ' +
    'sold:sell held:hold kept:keep left:leave felt:feel meant:mean met:meet paid:pay ran:run began:begin begun:begin drank:drink ' +
    'drunk:drink drove:drive driven:drive chose:choose chosen:choose spoke:speak spoken:speak stole:steal stolen:steal broke:break ' +
    'broken:break fell:fall fallen:fall flew:fly flown:fly grew:grow grown:grow threw:throw thrown:throw won:win lost:lose built:build ' +
    'sent:send spent:spend bit:bite bitten:bite hid:hide hidden:hide rode:ride ridden:ride rose:rise risen:rise shook:shake ' +
    'sang:sing sung:sing swam:swim swum:swim wore:wear worn:wear tore:tear torn:tear forgot:forget forgotten:forget understood:understand'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/** Abbreviations and spellings the contextual vectors may not connect (an abbreviation is often an unknown word to the model). */
export const SAME_WORDS: readonly string[][] = [
  ['repository', 'repo'], ['configuration', 'config'], ['database', 'db'], ['parameter', 'param'], ['argument', 'arg'],
  ['dictionary', 'dict'], ['integer', 'int'], ['boolean', 'bool'], ['string', 'str'], ['application', 'app'],
  ['directory', 'dir', 'folder'], ['documentation', 'docs'], ['information', 'info'], ['javascript', 'js'], ['typescript', 'ts'],
  ['python', 'py'], ['kubernetes', 'k8s'], ['regex', 'regexp', 'regular expression'], ['photo', 'picture', 'pic'],
  ['center', 'centre'], ['color', 'colour'], ['favorite', 'favourite'], ['organize', 'organise'], ['optimize', 'optimise'],
  ['analyze', 'analyse'], ['gray', 'grey'], ['theater', 'theatre'], ['vs', 'versus'], ['ok', 'okay'], ['through', 'thru'], ['though', 'tho'], ['because', 'cuz', 'bc'], ['veggies', 'vegetables'],
  ['math', 'maths', 'mathematics'], ['tv', 'television'], ['pc', 'computer'], ['cv', 'resume'], ['ad', 'advert', 'advertisement'],
];
