// Formats and phrasings the third holdout exposed, each as its general class with values of its own: password
// columns, tried passwords, connect calls, .pgpass entries, cue words of more languages, provider tokens, SSNs
// and card numbers by context, internationalized e-mail domains, numbers with invisible characters inside; and the
// classes the fifth holdout exposed: passwords in XML property styles, before their cue, in reply threads and login
// calls, user/pass notations, keys after labelling words, SSNs in identity records, cards before an expiry, phone
// numbers with trunk prefixes, doubled brackets and `#` extensions.
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

describe('Classes of the fifth holdout', () => {
  it('reads passwords in Java, Hadoop and plist property styles and in names the cue starts', () => {
    expectFound('PASSWORD', [
      ['<property name="spring.mail.password">Gannet!604</property>', 'Gannet!604'],
      ['<prop key="jdbc.password">Moor_land81</prop>', 'Moor_land81'],
      ['<property>\n  <name>javax.jdo.option.ConnectionPassword</name>\n  <value>Tarn#5512</value>\n</property>', 'Tarn#5512'],
      ['<key>Password</key>\n<string>Heron$2290</string>', 'Heron$2290'],
      ['PASSWORD_REDIS=Q7!vkLm-20x', 'Q7!vkLm-20x'],
      ['CONTRASENA_SMTP=Brisa.4471', 'Brisa.4471'],
    ]);
  });
  it('reads a password written before its cue, in a reply thread and in login and bind calls', () => {
    expectFound('PASSWORD', [
      ['I pasted Corvid_7731! as the root password, still denied.', 'Corvid_7731!'],
      ['ich habe Fjord#1990 als Passwort eingegeben', 'Fjord#1990'],
      ['> which pw does the staging box use?\n> Ember9&Ash — the old one is gone', 'Ember9&Ash'],
      ["smtp.login('alerts@example.org', 'Wren.5502x')", 'Wren.5502x'],
      ["c.simple_bind_s('uid=ops,ou=people,dc=example,dc=org', 'Lynx!4420')", 'Lynx!4420'],
    ]);
  });
  it('reads user/pass notations after well-known accounts and login cues', () => {
    expectFound('PASSWORD', [
      ['jenkins: admin/Otter#6612 on port 8080', 'Otter#6612'],
      ['root / Basalt_99! for the console', 'Basalt_99!'],
      ['login mia/Sorrel$31 works again', 'Sorrel$31'],
    ]);
  });
  it('leaves prose, paths and variables in those positions alone', () => {
    expectNone([
      'Should we keep OAuth2 as the password grant type?',
      'What is the password policy?\nSection 4 covers it.',
      'open admin/user_settings2 and the login page/Dashboard2 view',
      '<input type="password" name="password">',
      'PASSWORD_MIN_LENGTH=12',
      'smbclient //nas/share -U backup%"$NAS_PASS"',
    ]);
  });
  it('reads keys after a few labelling words, not fingerprints or names', () => {
    expectFound('API_KEY', [
      ['cohere key for the nightly job: Vb7QmX2pLr9TzK4wYc8NsD1fHj6GaE3u', 'Vb7QmX2pLr9TzK4wYc8NsD1fHj6GaE3u'],
      ['Clé pour le service météo : 4f1c9a7e2b8d6035c1e9a4f7b2d8c6e0', '4f1c9a7e2b8d6035c1e9a4f7b2d8c6e0'],
    ]);
    expectNone(['host key fingerprint SHA256:Pq7sN3vX9mK2rT8wL4yB6cZ1hJ5dF0gA2eQ9uR3tY7i', 'the cache key for user 42: user_profile_v2_cache_entry']);
  });
  it('reads SSNs in identity records and card numbers followed by an expiry', () => {
    expectFound('US_SSN', [['kyc export: 55102|512384419|verified', '512384419']]);
    expectFound('CREDIT_CARD', [['card on file 4539 1488 0343 6467 11/27', '4539 1488 0343 6467']]);
  });
  it('reads phone numbers with trunk prefixes, doubled brackets, # extensions and compact E.164 after a cue', () => {
    expectFound('PHONE_NUMBER', [
      ['звоните 8 (812) 315-42-67 после обеда', '8 (812) 315-42-67'],
      ['office line 8 495 739-21-55', '8 495 739-21-55'],
      ['Ask Priya ((0113) 496 0274) about it', '(0113) 496 0274'],
      ['Desk: +1-415-555-0134 #207.', '+1-415-555-0134 #207'],
      ['WhatsApp +3712345678901', '+3712345678901'],
    ]);
  });
});

describe('Classes of the seventh to twentieth holdouts', () => {
  it('reads brackets, "<" and "&" inside an unquoted password, but not a call, an index or a placeholder', () => {
    expectFound('PASSWORD', [
      ['WIKI_DB_PASSWORD=rQk(Tz77pLm\nWIKI_DB_HOST=db', 'rQk(Tz77pLm'],
      ['the vpn pass: Ux4]mm#Plq9. then reboot', 'Ux4]mm#Plq9'],
      ['her password for the clinic portal is sunflower<3Bea now', 'sunflower<3Bea'],
      ['ansible_ssh_pass: t&Rw9=q&Lm2', 't&Rw9=q&Lm2'],
      ['https://intranet.local/login?user=ops&password=Kite!2049&next=/home', 'Kite!2049'],
    ]);
    expectNone(['password = read_secret(name)', 'Password: [REDACTED]', 'pass: (hidden)', 'sshd[4411]: Failed password for invalid user test from port 51234']);
  });
  it('reads values after an adverb, past words before a colon, in questions about strength and as passcodes', () => {
    expectFound('PASSWORD', [
      ['the wifi password is honestly "ferret-anchor-lilac", four words', 'ferret-anchor-lilac'],
      ['Initial password handed to the intern: melon2024 (change it)', 'melon2024'],
      ['is Walrus$Tide42 strong enough for a bank login?', 'Walrus$Tide42'],
      ['how secure is Copper&Fern77 as a router password?', 'Copper&Fern77'],
      ['Is grapevine9 a decent password?', 'grapevine9'],
      ['the passcode for the conference bridge is 55123', '55123'],
      ['Pass phrase for the backup disk: orchid 72 velvet summit comet', 'orchid 72 velvet summit comet'],
      ['kata sandi saya kopiTubruk88, tapi tidak bisa masuk', 'kopiTubruk88'],
    ]);
    expectNone(['is Python3 good enough for data work?', 'the passcode is 6 digits long', 'Is this a good password manager?', 'how secure is it?']);
  });
  it('reads name/value pairs, Terraform defaults, bracketed keys, code paths ending in digits and credential files', () => {
    expectFound('PASSWORD', [
      ['containers:\n  - env:\n    - name: SMTP_PASSWORD\n      value: "Gull#Reef31"', 'Gull#Reef31'],
      ['{"name": "REDIS_PASSWORD", "value": "plover-99"}', 'plover-99'],
      ['variable "db_password" {\n  type    = string\n  default = "Tern^Cove5"\n}', 'Tern^Cove5'],
      ["app.config['SMTP_PASSWORD'] = 'heron77'", 'heron77'],
      ['ROOT_PASSWORD: Marble.falcon58', 'Marble.falcon58'],
      ['# /etc/rsyncd.secrets\nmirror:Wr3n!stone', 'Wr3n!stone'],
      ['userlist.txt\n"web" "Otter^Bay12"', 'Otter^Bay12'],
    ]);
    expectNone(['variable "db_password" {\n  type      = string\n  sensitive = true\n}', '- name: CACHE_PREFIX\n  value: "users-v2"', 'password = config.smtp2']);
  });
  it('reads passwords from command lines: a user flag beside -p, stdin, lftp, DB2, connect and credential calls', () => {
    expectFound('PASSWORD', [
      ['clickhouse-client --host ch1 -u analyst -p Qu1ll#ink', 'Qu1ll#ink'],
      ["podman login -u bot --password-stdin quay.io <<< 'Sprig!8841'", 'Sprig!8841'],
      ['echo "amber fjord meadow" | passwd --stdin deploy', 'amber fjord meadow'],
      ['lftp -u backup,Cedar_77x ftp://nas.local', 'Cedar_77x'],
      ['db2 connect to PAYROLL user db2admin using Fjord!22', 'Fjord!22'],
      ['conn = DriverManager.getConnection("jdbc:postgresql://db/app", "svc", "Pine&Moss8");', 'Pine&Moss8'],
      ['new NetworkCredential("mailer", "Heath^Lark61")', 'Heath^Lark61'],
      ['the login for the kiosk is frontdesk / ~4kq%Lm2Zv!', '~4kq%Lm2Zv!'],
    ]);
    expectNone(['docker run -u 1000 -p 8080:80 nginx', 'psql -U postgres -p 5432 -h db', 'I am using Python3.11 for the user interface', 'cat ~/pw.txt | docker login --password-stdin']);
  });
  it('finds prefixed vendor tokens, keys in client constructors, quoted keys whole and keys in name/value pairs', () => {
    expectFound('API_KEY', [
      ['export DO_TOKEN=dop_v1_4b7e0c1d9a2f3e8b6c5d4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d', 'dop_v1_4b7e0c1d9a2f3e8b6c5d4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d'],
      ['curl -H "Authorization: Bearer glsa_Zt4kQ9mW2xR7pL3vN8bC5yH1dF6gJ0sA_5e6f7a8b" https://grafana/api', 'glsa_Zt4kQ9mW2xR7pL3vN8bC5yH1dF6gJ0sA_5e6f7a8b'],
      ['client = Client("AC0d9f8e7c", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")', '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'],
      ["SECRET_KEY = 'prod-3*Kq)vR&u%Wm9+zT=y8^hN!b2Lx'", 'prod-3*Kq)vR&u%Wm9+zT=y8^hN!b2Lx'],
      ['- name: PAYMENTS_API_TOKEN\n  value: "Xq8Lm2Rt7Vb4Nc9Kw3Hs6Jd1"', 'Xq8Lm2Rt7Vb4Nc9Kw3Hs6Jd1'],
    ]);
    expectNone(['the cache key is user_profile_settings_v2', 'commit_5f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b landed', 'hash_client("5d41402abc4b2a76b9719d911017c592") was slow']);
  });
  it('finds cards grouped by dots, after words naming no other number, and cued SSNs in JSON keys', () => {
    expectFound('CREDIT_CARD', [
      ['mastercard 5425.2334.3010.9903 exp 11/29', '5425.2334.3010.9903'],
      ['please refund to 4012888888881881, the card expired', '4012888888881881'],
      ['Test order paid with 378282246310005 by mistake', '378282246310005'],
    ]);
    expectNone(['Your order number is 4539660767986724167', 'release 2024.1103.0042.7781 is out', 'version 1234.5678.9012.3456 ships today']);
    expectFound('US_SSN', [['{"social_security_number": "512449036"}', '512449036']]);
  });
  it('reads two phone numbers around a spaced slash, an extension after a comma, and not a setting or a cmdlet as a password', () => {
    expectFound('PHONE_NUMBER', [
      ['Office: 01 45 67 89 10 / 06 11 22 33 44', '01 45 67 89 10', '06 11 22 33 44'],
      ['Standard : 01 45 67 89 10, poste 214', '01 45 67 89 10, poste 214'],
      ['Rückruf bitte unter 030 / 4418822.', '030 / 4418822'],
    ]);
    expectFound('PASSWORD', [
      ['user dana.k, password Zq81mRt2=Lp0. Thanks', 'Zq81mRt2=Lp0'],
      ["$pw = ConvertTo-SecureString 'Brisk#Oak77' -AsPlainText -Force", 'Brisk#Oak77'],
    ]);
    expectNone(['password max_age=90 applies to all staff']);
  });
  it('reads a changed password, apostrophes inside a value, typo and phrase cues, and numeric unlock codes', () => {
    expectFound('PASSWORD', [
      ['the admin password on the NVR was changed to heron-vale2290 last week', 'heron-vale2290'],
      ['pasword is Maple#Ridge4 i think', 'Maple#Ridge4'],
      ["Mot de passe du coffre : aujourd'hui#77", "aujourd'hui#77"],
      ['Recovery phrase for the wallet: amber ostrich velvet canyon piano', 'amber ostrich velvet canyon piano'],
      ['unlock code for the tablet: 5521, ask before using it', '5521'],
      ['alarm code 80614, door code is 2291', '80614', '2291'],
    ]);
    expectNone(["My laptop password doesn't work since the update.", 'Dial-in on the bridge, access code 451801#', 'the reset link was changed to the new portal']);
  });
  it('reads tried passwords in logs, FTP commands, user / password pairs, and not a network name beside a Wi-Fi password', () => {
    expectFound('PASSWORD', [
      ['auth.log: user=ops password_attempt=Vq8#kLm2Zx from 10.1.2.3', 'Vq8#kLm2Zx'],
      ['USER anonymous\nPASS birch40771', 'birch40771'],
      ['SSH to the jump host with user deploy / lark&fen41', 'lark&fen41'],
      ['  password: "Falcon22.river"', 'Falcon22.river'],
    ]);
    expectFound('PASSWORD', [['Wi-Fi: Cafe_Guest5, pass: Plum-2231!', 'Plum-2231!']]);
    expectNone(['failed_password_attempts=3', 'the user / group mapping is wrong', 'PASS the salt please']);
  });
  it('reads a network key, a long random key after "key" alone, and not decimals in a row or a camelCase name', () => {
    expectFound('PASSWORD', [['Guest network key is maple-otter-fjord-72 (until Monday)', 'maple-otter-fjord-72']]);
    expectFound('API_KEY', [['auth failed for svc-sync using key Rt7kLq2WzX9mVb4NcP8sHy3JdF6g', 'Rt7kLq2WzX9mVb4NcP8sHy3JdF6g']]);
    expectNone(['load average: 0.42 0.37 0.31', 'sort key userProfileSettingsVersion2 of the table', 'the object key 3fa85f6457174562b3fc2c963f66afa6 was deleted']);
  });
  it('finds e-mail addresses with local parts in other scripts and Greek domains, and phone numbers after more cues', () => {
    expectFound('EMAIL_ADDRESS', [
      ['write to 王芳@bücher-haus.de please', '王芳@bücher-haus.de'],
      ['e-mail: αλέξης@εταιρεία.ελ', 'αλέξης@εταιρεία.ελ'],
      ['bounce from 李娜@公司.中国 again', '李娜@公司.中国'],
    ]);
    expectFound('PHONE_NUMBER', [
      ['Numer kontaktowy: 601-234-567', '601-234-567'],
      ['caller-id 1 (415) 555-2671 hung up', '1 (415) 555-2671'],
      ['Zadzwoń pod numer 22 615 40 17.', '22 615 40 17'],
      ['Τηλέφωνο: 210-3318472', '210-3318472'],
    ]);
    expectNone(['Numer zamówienia: 22 738 65 41']);
  });
});
