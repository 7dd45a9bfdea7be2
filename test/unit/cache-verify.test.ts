// The semantic-hit verifier with the real all-MiniLM-L6-v2: rewordings pass, requests that differ in a detail that
// changes the answer do not. The prompts here are in none of the labelled sets (test/fixtures/cache/).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEmbedder } from '../../lib/embedder.ts';
import { verifySameRequest, type Verdict } from '../../gateway/cache/verify.ts';
import { editDistance, isTypo, opposite, stem } from '../../gateway/cache/verify-align.ts';
import { extractQuantities } from '../../gateway/cache/verify-quantities.ts';
import { modelVocabulary } from '../../gateway/cache/vocabulary.ts';

const embedder = createEmbedder();
const knownWord = modelVocabulary();

async function verdict(a: string, b: string): Promise<Verdict> {
  const [ea, eb] = await embedder.encode([a, b]);
  return verifySameRequest({ text: a, encoded: ea }, { text: b, encoded: eb }, { knownWord });
}

void describe('verifySameRequest', () => {
  before(async () => {
    assert.ok(knownWord, 'the model vocabulary is installed');
    await embedder.ready();
  });

  void it('accepts synonyms and rewordings the word lists do not know', async () => {
    for (const [a, b] of [
      ['What is the tallest building in Dubai?', 'What is the highest building in Dubai?'],
      ['How do I fetch a row from a SQLite table in Python?', 'How do I retrieve a row from a SQLite table in Python?'],
      ['What are the benefits of cycling to work?', 'What are the advantages of cycling to work?'],
      ['What is the biggest lake in Africa?', 'What is the largest lake in Africa?'],
      ['How can I speed up my WordPress site?', 'How can I make my WordPress site faster?'],
    ]) assert.deepEqual(await verdict(a!, b!), { same: true }, `${a} ~ ${b}`);
  });

  void it('accepts politeness, reordering, typos and quantities written differently', async () => {
    for (const [a, b] of [
      ['Hey! Could you please tell me how to poach an egg? Thanks a lot!', 'How do I poach an egg?'],
      ['In Rust, how do I read a file line by line?', 'How do I read a file line by line in Rust?'],
      ['Is it better to lease or buy a car?', 'Is it better to buy or lease a car?'],
      ['How do I set up a virtual environment in Python?', 'How do I set up a virtual enviroment in Python?'],
      ['Is 2 hours enough to visit the Acropolis?', 'Is 120 minutes enough to visit the Acropolis?'],
      ['What is the boiling point of water in Fahrenheit?', 'What is the boiling point of water in °F?'],
    ]) assert.deepEqual(await verdict(a!, b!), { same: true }, `${a} ~ ${b}`);
  });

  void it('accepts vocatives, emoji, closings and scene-setting asides, but not a constraint told in the first person', async () => {
    for (const [a, b] of [
      ['Hi professor! Could you explain what entropy is? Thank you.', 'Explain what entropy is.'],
      ['Suggest a name for a bakery 🍰✨', 'Suggest a name for a bakery.'],
      ['Pardon me, which planet has the most moons? Kind regards.', 'Which planet has the most moons?'],
      ["We're moving flats next month and the old fridge smells awful. How do I get rid of fridge odors?", 'How do I get rid of fridge odors?'],
      ['How many cups are in two and a half liters?', 'How many cups are in 2.5 liters?'],
      ['What does an SRE engineer do?', 'What does a site reliability engineering engineer do?'],
    ]) assert.deepEqual(await verdict(a!, b!), { same: true }, `${a} ~ ${b}`);
    for (const [a, b] of [
      ["I'm diabetic. What should I eat for breakfast?", 'What should I eat for breakfast?'],
      ['Hi coach, give me a leg workout. Keep it short.', 'Give me a leg workout.'],
    ]) assert.equal((await verdict(a!, b!)).same, false, `${a} vs ${b}`);
  });

  void it('reads a story told before the question as the reason for asking, but not a story on both sides or one the question points back to', async () => {
    for (const [a, b] of [
      ["My nephew keeps asking me about this on our weekend walks and I never know the answer. Why do leaves change colour in autumn?", 'Why do leaves change colour in autumn?'],
      ["I started a new job last week and my manager mentioned our deploy pipeline twice today. What is continuous delivery?", 'what is continuous delivery'],
    ]) assert.deepEqual(await verdict(a!, b!), { same: true }, `${a} ~ ${b}`);
    for (const [a, b] of [
      // a short first-person line is a constraint, not a story
      ["I'm allergic to nuts. What can I bake for a party?", 'What can I bake for a party?'],
      // the question points into the story
      ["We are relocating to Oslo next spring with our two kids and a dog. How do schools work there?", 'How do schools work?'],
      // a story on both sides is compared as it is
      ["Our startup has 12 people in two offices and we pay for Slack every month. How much would Teams cost per year?", "Our startup has 40 people in two offices and we pay for Slack every month. How much would Teams cost per year?"],
      // a requirement in the story
      ["I'm cooking for my parents this weekend and it should be something without meat. What should I make for dinner?", 'What should I make for dinner?'],
    ]) assert.equal((await verdict(a!, b!)).same, false, `${a} vs ${b}`);
  });

  void it('reads a phrase moved to the front as the same phrase, and still sees roles swapped across it', async () => {
    assert.deepEqual(await verdict('How long should I let bread dough rise after shaping it?', 'After shaping bread dough, how long should I let it rise?'), { same: true });
    assert.equal((await verdict("If the buyer backs out, what can the seller keep?", "What can the buyer keep if the seller backs out?")).same, false);
  });

  void it('takes dictionary synonyms the model reads apart, and tells library names and units apart by spelling', async () => {
    assert.deepEqual(await verdict('What is the purpose of a load balancer?', 'What is the function of a load balancer?'), { same: true });
    assert.deepEqual(await verdict('How do I remove a splinter from my finger?', 'How do I extract a splinter from my finger?'), { same: true });
    assert.equal((await verdict('What does the grep command print?', 'What does the egrep command print?')).same, false);
    assert.equal((await verdict('How do I use the find command on macOS?', 'How do I use the locate command on macOS?')).same, false);
    assert.equal((await verdict('Send a GET request with the requests library in Python.', 'Send a GET request with the httpx library in Python.')).same, false);
    assert.equal((await verdict('How many megabytes is 5,000,000 bytes?', 'How many mebibytes is 5,000,000 bytes?')).same, false);
    assert.equal((await verdict('Give me arguments for nuclear power.', 'Give me arguments against nuclear power.')).same, false);
  });

  void it('refuses a flag of another case, a data rate in bytes for one in bits, another energy unit, a reversed movement and values given to other names', async () => {
    for (const [a, b] of [
      ['What does the -v flag do in grep?', 'What does the -V flag do in grep?'],
      ['How long does a 2 GB download take at 100 Mbps?', 'How long does a 2 GB download take at 100 MBps?'],
      ['How many calories does a 30 minute swim burn?', 'How many kilojoules does a 30 minute swim burn?'],
      ['How do I move photos from my iPhone to my laptop?', 'How do I move photos from my laptop onto my iPhone?'],
      ['X is 3 times Y. Y is 12. What is X?', 'Y is 3 times X. Y is 12. What is X?'],
      ['An RC filter with R = 1k and C = 100n: what is the cutoff?', 'An RC filter with R = 100n and C = 1k: what is the cutoff?'],
    ]) assert.equal((await verdict(a!, b!)).same, false, `${a} vs ${b}`);

  });

  void it('refuses swapped roles around an asymmetric relation', async () => {
    for (const [a, b] of [
      ['How many pints are in a gallon?', 'How many gallons are in a pint?'],
      ['How do I convert a set to a list in Python?', 'How do I convert a list to a set in Python?'],
      ["Mary is John's aunt. What is John to Mary?", "John is Mary's aunt. What is John to Mary?"],
      ['What questions should a patient ask a doctor?', 'What questions should a doctor ask a patient?'],
      ['Can a landlord sue a tenant for damages?', 'Can a tenant sue a landlord for damages?'],
      ['Is Norway richer than Sweden?', 'Is Sweden richer than Norway?'],
      ['Translate this from German to Italian.', 'Translate this from Italian to German.'],
      ['Can I adopt my stepson?', 'Can my stepson adopt me?'],
    ]) {
      const v = await verdict(a!, b!);
      assert.equal(v.same, false, `${a} vs ${b}`);
      if (!v.same) assert.match(v.reason, /roles swapped|direction reversed/, `${a} vs ${b}: ${v.reason}`);
    }
  });

  void it('refuses each other kind of meaning change, naming the reason', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['What is the capital of Slovenia?', 'What is the capital of Slovakia?', /name/],
      ['How do I feed a kitten?', 'How do I feed a puppy?', /content/],
      ['What is 20% of 150?', 'What is 25% of 150?', /numbers/],
      ['Convert 5 miles to kilometers.', 'Convert 5 kilometers to miles.', /numbers|units|roles/],
      ['Which vitamins are water soluble?', 'Which vitamins are not water soluble?', /negation/],
      ['Which fruits are rich in potassium?', 'Which fruits are poor in potassium?', /opposites/],
      ['How do I enable SSH on a Raspberry Pi?', 'How do I disable SSH on a Raspberry Pi?', /opposites/],
      ['Write a limerick about coffee.', 'Write a haiku about coffee.', /formats/],
      ['Explain the `map` method in JavaScript.', 'Explain the `filter` method in JavaScript.', /quoted|code/],
      ['How do I use readline in Python?', 'How do I use readlines in Python?', /content/],
      ['Recommend a thriller novel.', 'Recommend a short thriller novel.', /content/],
      ['How do I cook lentils?', 'How long should I soak lentils?', /question|content/],
      ['Set the margin to 8px.', 'Set the margin to 8rem.', /numbers/],
    ];
    for (const [a, b, reason] of cases) {
      const v = await verdict(a, b);
      assert.equal(v.same, false, `${a} vs ${b}`);
      if (!v.same) assert.match(v.reason, reason, `${a} vs ${b}: ${v.reason}`);
    }
  });

  void it('is symmetric', async () => {
    for (const [a, b] of [
      ['Is Norway richer than Sweden?', 'Is Sweden richer than Norway?'],
      ['What are the benefits of cycling to work?', 'What are the advantages of cycling to work?'],
    ]) assert.equal((await verdict(a!, b!)).same, (await verdict(b!, a!)).same, `${a} / ${b}`);
  });

  void it('without encodings, different words never align (text alone is stricter)', () => {
    assert.equal(verifySameRequest('What are the benefits of cycling to work?', 'What are the advantages of cycling to work?', { knownWord }).same, false);
    assert.equal(verifySameRequest('In Rust, how do I read a file?', 'How do I read a file in Rust?', { knownWord }).same, true);
  });
});

void describe('verifier helpers', () => {
  void it('reads quantities in any notation', () => {
    const same = (a: string, b: string) => assert.deepEqual(extractQuantities(a).values, extractQuantities(b).values, `${a} ~ ${b}`);
    same('1.5 hours', '90 minutes');
    same('3 PM', '15:00');
    same('$1.5 million', '$1,500,000');
    same('a three-day trip', 'a 3-day trip');
    same('3/4 cup', '0.75 cup');
    same('2 kg', '2000 grams');
    same('one hundred miles', '100 miles');
    same('half a cup', '1/2 cup');
    same('€12,50', '12.50 €');
    assert.notDeepEqual(extractQuantities('12px').values, extractQuantities('12pt').values);
    assert.notDeepEqual(extractQuantities('5 km').values, extractQuantities('5 miles').values);
    assert.deepEqual(extractQuantities('120/80').values, ['120', '80']);
  });

  void it('knows opposites by prefix and by list, and typos from different words', () => {
    for (const [a, b] of [['encrypt', 'decrypt'], ['import', 'export'], ['lock', 'unlock'], ['visible', 'invisible'], ['buy', 'sell']]) assert.ok(opposite(a!, b!), `${a}/${b}`);
    assert.ok(!opposite('play', 'replay'));
    assert.ok(isTypo('recieve', 'receive', knownWord));
    assert.ok(!isTypo('ethanol', 'methanol', knownWord), 'two real words');
    assert.ok(!isTypo('readline', 'readlines', knownWord), 'two unknown words differing at an end');
    assert.ok(isTypo('kuberentes', 'kubernetes', knownWord), 'two letters swapped');
    assert.ok(!isTypo('kilobytes', 'kibibytes', knownWord), 'two letters replaced apart');
    assert.equal(stem('learning'), stem('learned'));
    assert.equal(editDistance('captial', 'capital'), 1);
  });
});
