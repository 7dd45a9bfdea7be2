// Formats and phrasings the third holdout exposed, each as its general class with values of its own: password
// columns, tried passwords, connect calls, .pgpass entries, cue words of more languages, provider tokens, SSNs
// and card numbers by context, internationalized e-mail domains, numbers with invisible characters inside.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../../gateway/pii/policy.ts';
import { scanText } from '../../gateway/pii/scanner.ts';
import type { PiiEntity } from '../../gateway/pii/types.ts';

const policy = createPolicy();

/** Every detection in a text, as `ENTITY:value`. */
const hits = (text: string): string[] => scanText(text, policy).map((d) => `${d.entity}:${text.slice(d.start, d.end)}`);

function expectFound(entity: PiiEntity, cases: Array<[string, ...string[]]>): void {
  for (const [text, ...values] of cases) {
    const got = hits(text).filter((h) => h.startsWith(`${entity}:`));
    assert.deepEqual(got, values.map((v) => `${entity}:${v}`), `${entity} in ${JSON.stringify(text)}`);
  }
}

function expectNone(cases: string[]): void {
  for (const text of cases) assert.deepEqual(hits(text), [], `nothing in ${JSON.stringify(text)}`);
}

describe('PASSWORD formats', () => {
  it('reads table columns whose header ends in a password cue', () => {
    expectFound('PASSWORD', [['| Host | Root password |\n|---|---|\n| db1 | Kestrel#41 |\n| db2 | tulip7788 |', 'Kestrel#41', 'tulip7788']]);
  });
  it('finds several passwords someone says they tried', () => {
    expectFound('PASSWORD', [["I can't log in, my password fails and I tried Harbor!2291 and ocelot_sable_4 already.", 'Harbor!2291', 'ocelot_sable_4']]);
  });
  it('reads connect calls, .pgpass entries, Go and PHP assignments, XML elements and SQL Server literals', () => {
    expectFound('PASSWORD', [
      ["$pdo = new PDO('pgsql:host=db.local;dbname=shop', 'shop_rw', 'Larch-5512');", 'Larch-5512'],
      ['$link = mysqli_connect("127.0.0.1", "admin", "Tamarind88", "crm");', 'Tamarind88'],
      ['db.internal.example:5432:billing:reporter:Oq7$wX2!mm', 'Oq7$wX2!mm'],
      ['pass := "gecko5521"', 'gecko5521'],
      ["define('SMTP_PASSWORD', 'Pelican.77^');", 'Pelican.77^'],
      ['props.put("mail.smtpPassword", "Juniper-84!");', 'Juniper-84!'],
      ['<ftpPassword>Rv9!kd==</ftpPassword>', 'Rv9!kd=='],
      ["CREATE LOGIN app WITH PASSWORD = N'quokka5150';", 'quokka5150'],
      ['memcache://svc:Xq.7kPzR2w@10.1.2.3:11211', 'Xq.7kPzR2w'],
      ['decoded credentials svc_ro:k_PQr.Zst from the header', 'k_PQr.Zst'],
      ['net use X: \\\\fileserver\\docs /user:ACME\\mia Cobalt#2024', 'Cobalt#2024'],
      ['wpa_passphrase CafeNet "otter maple violin seven"', 'otter maple violin seven'],
    ]);
  });
  it('reads cue words of more languages, with their connectors and suffixes', () => {
    expectFound('PASSWORD', [
      ['Parola contului este Zambila77 acum.', 'Zambila77'],
      ['Heslo k routeru je Krtek#2020, díky.', 'Krtek#2020'],
      ['Ο κωδικός μου είναι Thalassa_42, ευχαριστώ.', 'Thalassa_42'],
      ['Şifremiz Kartal2023! ama çalışmıyor.', 'Kartal2023!'],
      ['Le mot de passe admin Brume$9876. Merci', 'Brume$9876'],
      ['Passwort für den Backup-Server: Zq8!mRt2-x', 'Zq8!mRt2-x'],
      ['The password for the router at 192.0.2.7 is Quill!9931, thanks', 'Quill!9931'],
    ]);
  });
  it('leaves prose about passwords and code references alone', () => {
    expectNone([
      'I forgot my password and tried resetting it twice.',
      'my password never works anymore',
      'password = config.DB_PASSWORD',
      'password = settings.dbPassword',
      'Passwort für den Admin-Zugang: bitte im Tresor nachsehen',
    ]);
  });
  it('reports a provider token in a password field as an API key', () => {
    const token = `pypi-${'AgEIcHlwaS5vcmcCJGQ3ZjA5'.repeat(3)}`;
    assert.deepEqual(hits(`[pypi]\nusername = __token__\npassword = ${token}`), [`API_KEY:${token}`]);
  });
});

describe('API_KEY formats', () => {
  it('finds Telegram bot, Vault and PyPI tokens and hex secrets in subscripted config keys', () => {
    expectFound('API_KEY', [
      ['BOT_TOKEN=7423918265:AAHk3mQ9xZ_pL2vR8tW1yN5bC7dF0gJ4sE6', '7423918265:AAHk3mQ9xZ_pL2vR8tW1yN5bC7dF0gJ4sE6'],
      ['export VAULT_TOKEN=hvs.CAESIJx9Qm3kP7vT2wL8nR5y', 'hvs.CAESIJx9Qm3kP7vT2wL8nR5y'],
      ["app.config['SECRET_KEY'] = 'a3f9c1e07b5d2846f1a0c9e3b7d5f2a1c8e6b4d0'", 'a3f9c1e07b5d2846f1a0c9e3b7d5f2a1c8e6b4d0'],
    ]);
  });
});

describe('US_SSN and CREDIT_CARD by context', () => {
  it('reads nine digits after SSN cues, in log lines and in HL7 PID segments as SSNs, not phone numbers', () => {
    expectFound('US_SSN', [
      ['Her SSA number 512634871 came back unverified.', '512634871'],
      ['applicant, social security no. 438217765, phone on file', '438217765'],
      ['[svc] SSN fetch by ops_bot for case 88812: value 412 77 3098', '412 77 3098'],
      ['PID|1||55123||Doe^Jane||19800101|F|||||||||523417788', '523417788'],
    ]);
  });
  it('reads card columns of CSV files, 14-digit Diners numbers and cued numbers in other groupings', () => {
    expectFound('CREDIT_CARD', [
      ['txn,card_number,total\n10023,30569309025904,19.99', '30569309025904'],
      ['txn,card_number,total\n10024,4111111111111111,5.00', '4111111111111111'],
      ['Store card number 630490 0017740292888 please', '630490 0017740292888'],
    ]);
  });
  it('keeps amounts and numbers named otherwise out', () => {
    expectNone(['Order 4111111111111111 shipped', 'total 1,234567890123456 units']);
  });
});

describe('EMAIL_ADDRESS and PHONE_NUMBER in other scripts', () => {
  it('finds addresses with internationalized domains inside non-Latin text', () => {
    expectFound('EMAIL_ADDRESS', [
      ['Пишите на olga.k@почта.рф до пятницы', 'olga.k@почта.рф'],
      ['請寄到 jose.m@añejo-café.es 謝謝', 'jose.m@añejo-café.es'],
      ['メール x.y@example.comに送って', 'x.y@example.com'],
    ]);
  });
  it('finds international numbers with invisible characters inside and no cue nearby', () => {
    expectFound('PHONE_NUMBER', [['Contacts: hannah.schmidt.office@example.org / +44 \u200c20 7946 0018', '+44 \u200c20 7946 0018']]);
  });
});
