// The semantic-hit verifier: paraphrases pass, requests that differ in a detail that changes the answer do not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifySameRequest, editDistance } from '../../gateway/cache/verify.ts';
import { stem } from '../../gateway/cache/verify-features.ts';

const known = new Set(['capital', 'australia', 'environment', 'create', 'virtual', 'python', 'ethanol', 'install', 'center', 'with']);
const knownWord = (w: string) => known.has(w.toLowerCase());
const same = (a: string, b: string) => verifySameRequest(a, b, { knownWord });

void describe('verifySameRequest', () => {
  void it('accepts politeness, reordering, framing and typos', () => {
    for (const [a, b] of [
      ['What is the capital of Australia?', 'Hi! Could you please tell me what the capital of Australia is? Thanks!'],
      ['In Python, how do I read a CSV file?', 'How do I read a CSV file in Python?'],
      ['How do I delete a branch in Git?', 'What is the command to remove a git branch?'],
      ['How do I create a virtual environment in Python?', 'how do i create a virtual enviroment in python'],
      ['How do I center a div with CSS?', 'how do i center a div wiht css'],
      ["What's the difference between affect and effect?", 'How do "affect" and "effect" differ?'],
    ]) assert.deepEqual(same(a!, b!), { same: true }, `${a} ~ ${b}`);
  });

  void it('rejects each kind of meaning change, naming the reason', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['What is the capital of Australia?', 'What is the capital of Austria?', /entity|content/],
      ['What is 15% of 80?', 'What is 15% of 90?', /numbers/],
      ['Write a poem with four stanzas about love.', 'Write a poem with three stanzas about love.', /numbers/],
      ['Which animals can swim?', 'Which animals cannot swim?', /negation/],
      ['How do I make bread with yeast?', 'How do I make bread without yeast?', /negation/],
      ['Describe the water cycle.', 'Describe the water cycle briefly.', /content/],
      ['Convert 10 miles to kilometers.', 'Convert 10 miles to meters.', /units/],
      ['Return the list of countries as JSON.', 'Return the list of countries as CSV.', /formats/],
      ['Convert 100 USD to EUR.', 'Convert 100 EUR to USD.', /direction/],
      ['Is Python faster than Java?', 'Is Java faster than Python?', /direction/],
      ['Sort the names from A to Z.', 'Sort the names from Z to A.', /direction/],
      ['Who invented the telephone?', 'When was the telephone invented?', /question/],
      ['What does `git reset --hard` do?', 'What does `git reset --soft` do?', /quoted|code/],
      ['Explain list.append() and list.extend() in Python.', 'Explain list.append() and list.insert() in Python.', /code/],
      ['What is the boiling point of ethanol?', 'What is the boiling point of methanol?', /content/],
      ['How do I install Python?', 'How do I uninstall Python?', /content/],
    ];
    for (const [a, b, reason] of cases) {
      const v = same(a, b);
      assert.equal(v.same, false, `${a} vs ${b}`);
      if (!v.same) assert.match(v.reason, reason, `${a} vs ${b}: ${v.reason}`);
    }
  });

  void it('is symmetric', () => {
    const a = 'Which foods are high in protein?';
    const b = 'Which foods are not high in protein?';
    assert.equal(same(a, b).same, false);
    assert.equal(same(b, a).same, false);
  });

  void it('forgives no typos without a vocabulary (strict by default)', () => {
    assert.equal(verifySameRequest('How do I create a virtual environment?', 'how do i create a virtual enviroment').same, false);
  });

  void it('stems consistently and measures edit distance with transpositions', () => {
    assert.equal(stem('learning'), stem('learned'));
    assert.equal(stem('causes'), stem('cause'));
    assert.equal(editDistance('captial', 'capital'), 1);
    assert.equal(editDistance('install', 'uninstall'), 2);
  });
});
