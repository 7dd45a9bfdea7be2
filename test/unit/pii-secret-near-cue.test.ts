// The secret-shape fallback (gateway/pii/recognizers/secret-near-cue.ts) and the sixth holdout's families: a chosen or
// random token in the same clause as a credential cue is redacted whatever the syntax around it; words, names, paths,
// versions, digests and placeholders near the same cues are not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { secretShaped } from '../../gateway/pii/recognizers/secret-near-cue.ts';
import { scanText } from '../../gateway/pii/scanner.ts';

const policy = createPolicy();
const hits = (text: string): string[] => scanText(text, policy).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`);

function expectHits(cases: Array<[string, ...string[]]>): void {
  for (const [text, ...values] of cases) assert.deepEqual(hits(text), values, `in ${JSON.stringify(text)}`);
}

describe('secret-shaped tokens', () => {
  it('accepts chosen passwords and random keys', () => {
    for (const t of ['Winter2031!', 'qP7#vLx2', 'Ostsee_77', 'r4nd0m-Gl4ss', 'b0b5c1a9e8f7d6c5b4a3f2e1d0c9b8a7', 'Zk3Fq9TmW2xYp8Lr5Nc1Vb7']) assert.ok(secretShaped(t), t);
  });
  it('rejects words, code names, paths, versions, addresses, ids and placeholders', () => {
    for (const t of [
      'password', 'Willkommen', 'writeOnly', 'minLength', 'max_tokens', 'user_profile_v2', 'ORD-99120', 'ERR_TIMEOUT',
      'HTTP/1.1', 'curl/8.4.0', 'application/json', '/etc/shadow', 'https://x.io/a', 'anna.berg@example.org', 'deploy@ci',
      '192.168.10.20', '2025-11-30', 'v10.4.2', '0f8fad5b-d9cb-469f-a165-70867728950e', '${DB_PASS}', '<password>', '********',
      'sha256sum', 'PBKDF2-SHA256', 'username=', '„Zresetuj', 'inténtalo',
    ]) assert.ok(!secretShaped(t), t);
  });
});

describe('PASSWORD and API_KEY near a cue, in syntax no rule reads', () => {
  it('finds the token in the same sentence, before or after the cue, in other languages and glued to CJK cues', () => {
    expectHits([
      ["echo 'Herbst#2029' | podman login -u ci --password-stdin registry.lan", 'PASSWORD:Herbst#2029'],
      ['The temp password they gave me over the phone (Quokka55xv) has expired already.', 'PASSWORD:Quokka55xv'],
      ['Would Marmelade7781! be a strong password for my mail?', 'PASSWORD:Marmelade7781!'],
      ['Das Gäste-Passwort im Café ist ab heute Zimtstern2031*, bitte aushängen.', 'PASSWORD:Zimtstern2031*'],
      ['A senha nova do roteador agora é Jabuti2030$ segundo o técnico.', 'PASSWORD:Jabuti2030$'],
      ['测试机管理员密码Qz8mLp2wVx7N，请记下来。', 'PASSWORD:Qz8mLp2wVx7N'],
      ['cluster admin kennwort lautet heute `Fjord!Lachs19`, bis Freitag', 'PASSWORD:Fjord!Lachs19'],
    ]);
  });
  it('reports long random values after key, token and PAT cues as API keys', () => {
    expectHits([
      ['Bitbucket PAT: k2v9qm4x7zt1pw8rn5bj3hc6fd0ys2ag — what scopes does it have?', 'API_KEY:k2v9qm4x7zt1pw8rn5bj3hc6fd0ys2ag'],
      ['storage:\n  cipher:\n    key: "Tq8vR2mKx9Lw3Zp7Nc5Bf1Hd6Js4Gy0Ua+eW="', 'API_KEY:Tq8vR2mKx9Lw3Zp7Nc5Bf1Hd6Js4Gy0Ua+eW='],
      ["sms = Vonage::Client.new(ENV['VONAGE_SID'], 'e41c9b7a2d5f8061c3b9a7d4e2f1c0b9')", 'API_KEY:e41c9b7a2d5f8061c3b9a7d4e2f1c0b9'],
      ['machine api.example.net\n  login ops@example.net\n  password 0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'EMAIL_ADDRESS:ops@example.net', 'API_KEY:0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
    ]);
  });
  it('leaves names, versions, digests, flags of other things and public keys near cues alone', () => {
    expectHits([
      ['The password of build 2024.11.3 expired on 2025-01-31, see ticket OPS-48213.'],
      ['Which token limit applies to gpt-4o-mini-2024-07-18 and claude-3-5-haiku?'],
      ['az vm create --image Debian12x64 --admin-password-file ./pw.txt'],
      ['the commit a3f9c2e71b0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f changed the password hashing to argon2id'],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq7 ops@bastion is the public key for the login host'],
      ['"secret": {"type": "string", "format": "password", "writeOnly": true, "maxLength": 64}'],
      ['Use 1Password or KeePassXC for the team passwords, not a spreadsheet.'],
      ['Contraseña incorrecta, inténtalo de nuevo más tarde.'],
    ]);
  });
});

describe('Classes of the sixth holdout', () => {
  it('reads export header rows, address / password pairs and JDBC connections', () => {
    expectHits([
      ['Bitwarden export: "name","login_uri","Username","Password"\n"Forum","https://forum.example","kim.lee@fjordmail.no","Taiga_41"', 'EMAIL_ADDRESS:kim.lee@fjordmail.no', 'PASSWORD:Taiga_41'],
      ['can you sign in as me (kim.lee@fjordmail.no / Wq4nZ8rTx2) and send the invoice?', 'EMAIL_ADDRESS:kim.lee@fjordmail.no', 'PASSWORD:Wq4nZ8rTx2'],
      ['Connection c = DriverManager.getConnection(jdbcUrl, "report_ro", "Birke77!");', 'PASSWORD:Birke77!'],
    ]);
  });
  it('reads a card number that is a whole field of an export row, not an order number beside it', () => {
    expectHits([['Export: 2025-06-01,ORD-55120,"Kim Lee",+1 415 555 0175,4539578763621486,19.99 USD', 'PHONE_NUMBER:+1 415 555 0175', 'CREDIT_CARD:4539578763621486']]);
    expectHits([['Export: 2025-06-01,4539578763621487,19.99 USD']]);
  });
  it('reports a service account private_key_id as an API key', () => {
    expectHits([['{"type": "service_account", "private_key_id": "9d1e7b3c5a0f2e4d6c8b1a3f5e7d9c0b2a4f6e8d"}', 'API_KEY:9d1e7b3c5a0f2e4d6c8b1a3f5e7d9c0b2a4f6e8d']]);
  });
});
