// Each recognizer on positives (several formats/languages) and hard negatives, through the public scanner.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { scanText } from '../../gateway/pii/scanner.ts';
import type { PiiEntity } from '../../gateway/pii/types.ts';
import { ibanChecksumValid } from '../../gateway/pii/recognizers/iban.ts';
import { cardBrand, luhnValid } from '../../gateway/pii/recognizers/credit-card.ts';
import { ssnValid } from '../../gateway/pii/recognizers/us-ssn.ts';

const policy = createPolicy();

/** Values found for one entity in a text. */
function found(text: string, entity: PiiEntity): string[] {
  return scanText(text, policy)
    .filter((d) => d.entity === entity)
    .map((d) => text.slice(d.start, d.end));
}

function expectFound(entity: PiiEntity, cases: Array<[string, string]>): void {
  for (const [text, value] of cases) assert.deepEqual(found(text, entity), [value], `${entity} in ${JSON.stringify(text)}`);
}

function expectNone(cases: string[]): void {
  for (const text of cases) {
    const hits = scanText(text, policy).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`);
    assert.deepEqual(hits, [], `nothing in ${JSON.stringify(text)}`);
  }
}

describe('EMAIL_ADDRESS', () => {
  it('finds addresses in prose, headers, CSV and mailto links', () => {
    expectFound('EMAIL_ADDRESS', [
      ['write to john.doe@acme-corp.com today', 'john.doe@acme-corp.com'],
      ['From: "Kim" <lee.kim@korea-trade.co.kr>', 'lee.kim@korea-trade.co.kr'],
      ['mailto:support@help.example.net?subject=x', 'support@help.example.net'],
      ['1,tom+news@fastmail.com,2024', 'tom+news@fastmail.com'],
      ['Schreib an j.mueller@firma.de.', 'j.mueller@firma.de'],
    ]);
  });
  it('ignores package scopes, decorators, retina file names, versions, SSH remotes and URL credentials', () => {
    expectNone(['npm i @types/node@20', '@Component()', 'logo@2x.png', 'lodash@4.17.21', 'git clone git@github.com:org/repo.git', 'user@localhost']);
    assert.deepEqual(found('ftp://backup:pw1@files.example.org/x', 'EMAIL_ADDRESS'), []);
  });
});

describe('PHONE_NUMBER', () => {
  it('finds international and national formats of several countries', () => {
    expectFound('PHONE_NUMBER', [
      ['call +1 415 555 2671 now', '+1 415 555 2671'],
      ['US office (415) 555-2671.', '(415) 555-2671'],
      ['Handy: 0151 23456789', '0151 23456789'],
      ['Tel. +49 (0)89 1234567', '+49 (0)89 1234567'],
      ['ruf 0049 89 1234567 an', '0049 89 1234567'],
      ['UK 020 7946 0958 office', '020 7946 0958'],
      ['portable 06 12 34 56 78', '06 12 34 56 78'],
      ['móvil 612 345 678', '612 345 678'],
      ['Mumbai +91 98765 43210', '+91 98765 43210'],
      ['SP (11) 91234-5678', '(11) 91234-5678'],
      ['Tokyo +81 3-1234-5678', '+81 3-1234-5678'],
      ['href tel:+14155552671', '+14155552671'],
    ]);
  });
  it('finds the first of two numbers written next to each other', () => {
    assert.deepEqual(found('Nummern: 0151 23456789 0171 2345678', 'PHONE_NUMBER')[0], '0151 23456789');
  });
  it('ignores dates, prices, versions, IPs, order numbers, invalid numbers and zip codes', () => {
    expectNone([
      'on 2024-03-15 and 15.03.2024 and 03/15/2024',
      'costs 1.299.000 or $1,249.99',
      'version 10.0.19045.3803',
      'Bestellnummer 302-4412-88',
      'order 4829-1173-0042',
      'call +1 000 000 0000 (not a number)',
      'zip 10115 Berlin',
      'timestamp 1716239022',
    ]);
  });
});

describe('CREDIT_CARD', () => {
  it('finds Luhn-valid numbers of real brands, grouped or not', () => {
    expectFound('CREDIT_CARD', [
      ['Visa 4111 1111 1111 1111 exp 09/27', '4111 1111 1111 1111'],
      ['mc 5555-5555-5555-4444', '5555-5555-5555-4444'],
      ['card=4012888888881881&x', '4012888888881881'],
      ['AmEx 3782 822463 10005', '3782 822463 10005'],
      ['Diners 3056 930902 5904', '3056 930902 5904'],
      ['Ma carte 6011 1111 1111 1117 ne passe pas', '6011 1111 1111 1117'],
    ]);
  });
  it('ignores Luhn failures, unknown issuers, odd groupings and order numbers', () => {
    assert.equal(luhnValid('4111111111111112'), false);
    assert.equal(cardBrand('1234567890123452'), undefined);
    expectNone(['4111 1111 1111 1112', '1234 5678 9012 3456', '41 1111 1111 1111 11', 'Order #4111111111111111']);
  });
});

describe('US_SSN', () => {
  it('finds SSNs in valid ranges, dashed, spaced with a cue, or bare after a cue', () => {
    expectFound('US_SSN', [
      ['SSN 536-22-8174.', '536-22-8174'],
      ['social security: 536 22 8174', '536 22 8174'],
      ['ssn=472915836&x=1', '472915836'],
      ['record 078-05-1121 ok', '078-05-1121'],
    ]);
  });
  it('rejects area 000/666/9xx, group 00, serial 0000 and well-known fakes', () => {
    assert.equal(ssnValid('000', '12', '3456'), false);
    assert.equal(ssnValid('666', '12', '3456'), false);
    assert.equal(ssnValid('912', '34', '5678'), false);
    assert.equal(ssnValid('123', '00', '4567'), false);
    assert.equal(ssnValid('123', '45', '0000'), false);
    expectNone(['000-12-3456', '666-45-1234', '900-12-3456', '123-00-4567', '123-45-0000', '123-45-6789', '078-05-1120', 'id 472915836']);
  });
});

describe('IBAN_CODE', () => {
  it('finds mod-97-valid IBANs of several countries, compact or grouped', () => {
    expectFound('IBAN_CODE', [
      ['IBAN DE89 3704 0044 0532 0130 00 bitte', 'DE89 3704 0044 0532 0130 00'],
      ['GB29NWBK60161331926819.', 'GB29NWBK60161331926819'],
      ['RIB : FR14 2004 1010 0505 0001 3M02 606', 'FR14 2004 1010 0505 0001 3M02 606'],
      ['CH93 0076 2011 6238 5295 7', 'CH93 0076 2011 6238 5295 7'],
      ['NO93 8601 1117 947', 'NO93 8601 1117 947'],
    ]);
  });
  it('rejects wrong checksums, wrong lengths and unknown countries', () => {
    assert.equal(ibanChecksumValid('DE89370400440532013000'), true);
    assert.equal(ibanChecksumValid('DE88370400440532013000'), false);
    expectNone(['DE88 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130', 'ZZ89 3704 0044 0532 0130 00']);
  });
});

describe('IP_ADDRESS', () => {
  it('finds IPv4 and IPv6 incl. compressed, zone-id and IPv4-mapped forms', () => {
    expectFound('IP_ADDRESS', [
      ['ssh admin@203.0.113.42 -p 22', '203.0.113.42'],
      ['host 10.0.0.1.', '10.0.0.1'],
      ['addr 2001:db8::1 is up', '2001:db8::1'],
      ['[2001:db8:4006:812::200e]:443', '2001:db8:4006:812::200e'],
      ['link fe80::1ff:fe23:4567:890a%eth0 bound', 'fe80::1ff:fe23:4567:890a%eth0'],
      ['mapped ::ffff:192.0.2.128 ok', '::ffff:192.0.2.128'],
      ['full 2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ]);
  });
  it('ignores versions, sections, OIDs, times, MACs and C++/Rust paths', () => {
    expectNone([
      'upgrade to version 1.2.3.4',
      'v2.10.0.1',
      'see section 4.2.1.3',
      'OID 1.3.6.1.4.1.311',
      'at 12:30:45',
      'MAC 00:1A:2B:3C:4D:5E',
      'std::vector<int> and Vec::new()',
      'bind ::1 only',
      '999.1.1.1',
    ]);
  });
});

describe('API_KEY', () => {
  const keys: Array<[string, string]> = [
    ['openai', 'sk-proj-Zq8RtYp3LmN0vB7cXw2KdJ9sTf4GhUe6Wa1QbVnMcLpRo5ZtYx'],
    ['openai legacy', 'sk-Tq3XbW9mLp2RvN8cYk4JhZ7fGd1SaQeU6oIrEtWyBnMx0uVa'],
    ['anthropic', `sk-ant-api03-${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3fG5hJ7kL9mN1pQ3rS5tU7v'.slice(0, 93)}AA`],
    ['aws id', 'AKIAZ3MHQPLKJ7N4XQ2D'],
    ['github', 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'],
    ['github pat', `github_pat_11ABCDEFG0aB3dE5fG7hJ9_${'kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9b'}`],
    ['slack', 'xoxb-2048913345-4476023145-Zq8RtYp3LmN0vB7cXw2KdJ9s'],
    ['stripe', 'sk_live_51HqLyjWDarjtT1zdp7dcXk2mB9vQeR4tYuIoP0aSdFgH'],
    ['stripe restricted', 'rk_live_51HqLyjWDarjtT1zdp7dcXk2mB9vQeR4t'],
    ['google', 'AIzaSyD4k9Xq2Lm7Rt0vB8nW3eY6uI1oP5aSdFg'],
    ['jwt', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ];
  for (const [name, key] of keys) {
    it(`finds a ${name} key`, () => assert.deepEqual(found(`here: ${key} — why 401?`, 'API_KEY'), [key]));
  }
  it('finds PEM private key blocks, complete or truncated', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x2Zq8RtYp3LmN0vB7cXw2KdJ9s\nTf4GhUe6Wa1QbVnMcLpRo5ZtYx==\n-----END RSA PRIVATE KEY-----';
    assert.deepEqual(found(`fix this:\n${pem}\nthanks`, 'API_KEY'), [pem]);
    const truncated = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    assert.deepEqual(found(truncated, 'API_KEY'), [truncated]);
  });
  it('finds generic high-entropy secrets after key/token/secret cues, incl. AWS secrets', () => {
    expectFound('API_KEY', [
      ['client_secret: 9f86d081884c7d659a2feaa0c55ad015', '9f86d081884c7d659a2feaa0c55ad015'],
      ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Rt3Lm0vB7', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Rt3Lm0vB7'],
      ['Secret access key: JOlf3X+8neHINY4P2u/NQjqcePOxmLAYb+ifBwA5', 'JOlf3X+8neHINY4P2u/NQjqcePOxmLAYb+ifBwA5'],
      ['{"api_key": "Zq8RtYp3LmN0vB7cXw2KdJ9sTf4G"}', 'Zq8RtYp3LmN0vB7cXw2KdJ9sTf4G'],
      ['Authorization: Bearer Zq8RtYp3LmN0vB7cXw2KdJ9sTf4G', 'Zq8RtYp3LmN0vB7cXw2KdJ9sTf4G'],
      ['The access_token is GKZcfQYdXKBxsJGMQfUQK757zjfEMu; it expired', 'GKZcfQYdXKBxsJGMQfUQK757zjfEMu'],
    ]);
  });
  it('ignores placeholders, sample keys, env references, UUIDs/SHAs without cues and prose', () => {
    expectNone([
      'Set OPENAI_API_KEY=sk-... in .env',
      'sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'export ANTHROPIC_API_KEY=<your-api-key>',
      'api_key: "YOUR_API_KEY_HERE"',
      'AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'Authorization: Bearer <token>',
      'api_key = os.environ["OPENAI_API_KEY"]',
      'const token = process.env.GITHUB_TOKEN;',
      'request 550e8400-e29b-41d4-a716-446655440000 failed',
      'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
      'the sk-learn-compatible-interface-for-models package',
      'max_tokens: 8192 and the tokenizer',
      'The S3 object key is uploads/2024/05/a8f3e2c1-report.pdf.',
    ]);
  });
});

describe('PASSWORD', () => {
  it('finds values after cues in several syntaxes and languages', () => {
    expectFound('PASSWORD', [
      ['password: Hunter2!\nnext', 'Hunter2!'],
      ['pwd=Tr0ub4dor&3; user=x', 'Tr0ub4dor&3'],
      ['{"user":"a","password":"Zx8!pLq4"}', 'Zx8!pLq4'],
      ['{\\"password\\": \\"Zx8!pLq4\\"}', 'Zx8!pLq4'],
      ['DB_PASSWORD=S3cur3Pa55', 'S3cur3Pa55'],
      ['PGPASSWORD=S3cur3Pa55 psql', 'S3cur3Pa55'],
      ['dbPassword: "N0vember_rain"', 'N0vember_rain'],
      ['passwd: letmein', 'letmein'],
      ['mysql --password S3cur3Pa55 -e x', 'S3cur3Pa55'],
      ['<password>Gr8-Scott-77</password>', 'Gr8-Scott-77'],
      ['The wifi password is Hunter2! ok', 'Hunter2!'],
      ['Mein Passwort ist Sommer2024! Danke', 'Sommer2024!'],
      ['Mot de passe : Soleil2024', 'Soleil2024'],
      ['mi contraseña es Madrid#2024.', 'Madrid#2024'],
      ['A senha é Brasil@2023', 'Brasil@2023'],
    ]);
  });
  it('finds the password inside connection strings', () => {
    expectFound('PASSWORD', [
      ['postgres://app:S3cr3tPa55@db.internal:5432/app', 'S3cr3tPa55'],
      ['mongodb+srv://svc:Wint3rIsComing@cluster0.ab12c.mongodb.net/x', 'Wint3rIsComing'],
      ['ftp://backup:Wint3r!sComing@files.example.org/dump', 'Wint3r!sComing'],
    ]);
  });
  it('ignores placeholders, env references and prose about passwords', () => {
    expectNone([
      'password: ********',
      'password: ${DB_PASSWORD}',
      '"password": "<password>"',
      'DATABASE_URL=postgres://user:password@localhost:5432/mydb',
      'mysql://root:${MYSQL_ROOT_PASSWORD}@db:3306/app',
      'The password must be at least 12 characters long.',
      'password: must be rotated every 90 days',
      'Passwords are hashed with bcrypt.',
      'the password is required',
      'bypass=true compass: north',
      'password_hash: $2b$12$abcdefghijklmnopqrstuv',
      'password = get_password()',
    ]);
  });
});

describe('technical tokens', () => {
  it('never flags words like S3, C4, EKS, H100 or instance types', () => {
    expectNone(['Use S3, EKS and C4 instances; compare H100 and A100; t3.micro in us-east-1; GPT-4o has 128k context.']);
  });
});
