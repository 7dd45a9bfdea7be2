// Cue context decides what a value is: the nearest cue wins for phone numbers, env-style names make keys, and
// password cues reach values that follow a user name, a second clause or a command's positional arguments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { scanText } from '../../gateway/pii/scanner.ts';

const policy = createPolicy();

/** Every detection as `ENTITY:value`, in text order. */
const hits = (text: string): string[] => scanText(text, policy).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`);

function expectHits(cases: Array<[string, string[]]>): void {
  for (const [text, expected] of cases) assert.deepEqual(hits(text), expected, JSON.stringify(text));
}

describe('phone numbers: the nearest cue wins', () => {
  it('finds a number whose own cue follows a card, SSN or patient word', () => {
    expectHits([
      ['Intake form: SSN 676-95-2112, phone (617) 555-0139', ['US_SSN:676-95-2112', 'PHONE_NUMBER:(617) 555-0139']],
      ['Patient phone (718) 555-0102', ['PHONE_NUMBER:(718) 555-0102']],
      ['she asked for gift cards, her number is (646) 555-0192', ['PHONE_NUMBER:(646) 555-0192']],
    ]);
  });
  it('still leaves numbers named as something else alone', () => {
    expectHits([
      ['Bestellnummer 302-4412-88 ist noch nicht angekommen.', []],
      ['Bitte die Kundennummer 4711 0815 nicht verwechseln.', []],
      ['注文番号: 4829-1173-0042 の配送状況', []],
      ['member ID 415 555 2671 on the card', []],
    ]);
  });
});

describe('API keys behind env-style names', () => {
  it('takes random values assigned to *_KEY names, Twilio and Mailgun keys, and an AWS secret after its key id', () => {
    expectHits([
      ['AZURE_STORAGE_KEY=JIpG7EBwE6L0ZyduYwW8jpvb00PyfHd60kreqaZ3xKTTGbXWrsjj==', ['API_KEY:JIpG7EBwE6L0ZyduYwW8jpvb00PyfHd60kreqaZ3xKTTGbXWrsjj==']],
      ['KEY=AUvgF8AuGKMlbGiM56yCTKjjgMU3jddIlViAGLFi', ['API_KEY:AUvgF8AuGKMlbGiM56yCTKjjgMU3jddIlViAGLFi']],
      ['Twilio API key SID SK7699e8cc416cd7a1e1f4f344ed8a62f7', ['API_KEY:SK7699e8cc416cd7a1e1f4f344ed8a62f7']],
      ['MAILGUN=key-d81f1fed7e83cbddddde3775f44d655a', ['API_KEY:key-d81f1fed7e83cbddddde3775f44d655a']],
      ['AKIAACDIVVUG3FZQA3TD / 4m/HcNoPHE7Ur2rsz2/PahiAjtACMTnekmsFOlDR', ['API_KEY:AKIAACDIVVUG3FZQA3TD', 'API_KEY:4m/HcNoPHE7Ur2rsz2/PahiAjtACMTnekmsFOlDR']],
    ]);
  });
  it('leaves lookup keys and plain values alone', () => {
    expectHits([
      ['cache_key = d41d8cd98f00b204e9800998ecf8427e', []],
      ['SORT_KEY=created_at_desc_2024', []],
      ['the object key is 9f8e7d6c5b4a39281706f5e4', []],
    ]);
  });
});

describe('passwords in context', () => {
  it('finds Wi-Fi keys, listed and second passwords, positional command arguments and article-led pass phrases', () => {
    expectHits([
      ['Guest wifi: SSID CafeNero_Guest, WPA key espresso2024', ['PASSWORD:espresso2024']],
      ['login admin, pwd Pa$$w0rd99, host build-01', ['PASSWORD:Pa$$w0rd99']],
      ['Identifiants : login claire, mot de passe Lavande-33', ['PASSWORD:Lavande-33']],
      ['The root password is Sp1derm@n and the sudo one is V3nom#2.', ['PASSWORD:Sp1derm@n', 'PASSWORD:V3nom#2']],
      ['rabbitmqctl change_password guest R4bbit!MQ', ['PASSWORD:R4bbit!MQ']],
      ['net user backupsvc r0ck3t!68 /add', ['PASSWORD:r0ck3t!68']],
      ['Mi contraseña es el perro come manzanas verdes, es una frase.', ['PASSWORD:el perro come manzanas verdes']],
      ['Het wachtwoord is drie kleine kleurpotloden (met spaties).', ['PASSWORD:drie kleine kleurpotloden']],
    ]);
  });
  it('leaves prose about passwords alone', () => {
    expectHits([
      ['The wifi key is on the fridge', []],
      ['login admin, pwd is required', []],
      ['The password is the company policy document', []],
      ['rabbitmqctl add_user reporting', []],
    ]);
  });
});

describe('SSNs grouped with dots', () => {
  it('finds them after a cue only', () => {
    expectHits([
      ['Ssn 788.44.1006', ['US_SSN:788.44.1006']],
      ['release 788.44.1006 is out', []],
    ]);
  });
});

describe('connection URLs, provider keys, account lists, phone columns and short cues', () => {
  it('finds the password of a URL with an empty user name', () => {
    expectHits([
      ['redis://:Walrus646biscuit@cache.internal:6379/0', ['PASSWORD:Walrus646biscuit']],
      ['see redis://cache.internal:6379/0 for the queue', []],
    ]);
  });
  it('finds Stripe and GitLab keys without a cue, even when the key has no digit; not publishable keys', () => {
    expectHits([
      ['API 密钥：rk_live_SCDfKGOrTgiNNwxBMtzhKjKE', ['API_KEY:rk_live_SCDfKGOrTgiNNwxBMtzhKjKE']],
      ['use glpat-JeZBrOYeXcLwrjHdpzsW for the runner', ['API_KEY:glpat-JeZBrOYeXcLwrjHdpzsW']],
      ['pk_live_SCDfKGOrTgiNNwxBMtzhKjKE is embedded in checkout.js', []],
      ['glpat-aaaaaaaaaaaaaaaaaaaaaaa', []],
    ]);
  });
  it('finds the passwords of a bulleted account list', () => {
    expectHits([
      ['Accounts:\n- root / meadow_falcon21\n- backup / Pepper42pepper', ['PASSWORD:meadow_falcon21', 'PASSWORD:Pepper42pepper']],
      ['Accounts:\n- alice / sales\n- bob / marketing', []],
    ]);
  });
  it('takes a table column headed "phone" as the cue, and a remark in brackets does not hide a number', () => {
    expectHits([
      ['id,name,phone\n1,Tom,+5511723489493', ['PHONE_NUMBER:+5511723489493']],
      ['id,name,amount\n1,Tom,+5511723489493', []],
      ['Hotline +34 91 422 56 66 (24/7)', ['PHONE_NUMBER:+34 91 422 56 66']],
    ]);
  });
  it('reads "pw" and a VPN key followed by the value alone', () => {
    expectHits([
      ['Onboarding: laptop pw Candle540meadow, VPN key 90f9ed76b0b08f00105fad86b6f1e035', ['PASSWORD:Candle540meadow', 'API_KEY:90f9ed76b0b08f00105fad86b6f1e035']],
      ['the pw field is required; VPN key rotation is due', []],
    ]);
  });
  it('reads "pass phrase" as one name and a value after what the password is for', () => {
    expectHits([
      ['The pass phrase for the GPG key is "quartz glacier biscuit pickle"', ['PASSWORD:quartz glacier biscuit pickle']],
      ['пароль от почты Biscuit7574pepper', ['PASSWORD:Biscuit7574pepper']],
      ['a pass phrase is a good idea; the password for the account is below', []],
    ]);
  });
  it('takes the quoted password of ConvertTo-SecureString, not the parenthesised cmdlet', () => {
    expectHits([
      ["Set-ADAccountPassword -NewPassword (ConvertTo-SecureString 'Vi8hBNpzMj' -AsPlainText -Force)", ['PASSWORD:Vi8hBNpzMj']],
      ['New-LocalUser bob -Password (Read-Host -AsSecureString)', []],
    ]);
  });
});
