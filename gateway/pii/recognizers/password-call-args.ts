// Passwords passed to database connect calls as a positional argument, with no cue word of their own: after a
// PDO-style DSN and the user (`new PDO('mysql:host=…;dbname=…', 'user', 'pass')`), and after host and user in
// PHP's `mysqli_connect('host', 'user', 'pass')`, `new mysqli(…)`, JDBC's `getConnection(url, …)` and
// `new Sequelize(db, …)`, after the user in login, bind and credential calls (`smtp.login('me@x.org', 'pass')`,
// `conn.simple_bind_s('cn=…', 'pass')`, `new NetworkCredential(…)`, `auth=(…)`), and after a literal LDAP DN in any
// call (`ldap.bind('cn=svc,dc=corp', 'pass')`).
import type { Detection } from '../types.ts';
import { isPlaceholder } from './password-value.ts';

/** A call's argument list opening with a string, tried at each '(' (found with indexOf, cheaper than a regex scan). */
const CALL_OPEN = /\([ \t]*(?=["'])/y;
const ARG = `[ \\t]*,[ \\t]*(["'])([^"'\\n]{0,128})`;
// A quoted DSN whose scheme names a database driver, then the user and the password as the next two arguments.
const DSN_ARGS = new RegExp(`(["'])(?:mysql|pgsql|sqlsrv|oci|odbc|firebird|dblib|informix|ibm|cubrid):[^"'\\n]{1,200}\\1${ARG}\\2${ARG}\\4`, 'y');
// Host (or database, or JDBC URL), user, password as the first three arguments of the functions that take them so.
const HOST_USER_PASS_ARGS = new RegExp(`(["'])[^"'\\n]{1,128}\\1${ARG}\\2${ARG}\\4`, 'y');
const HOST_USER_PASS_FUNCTION = /(?:mysqli_connect|mysqli|mysql_p?connect|getConnection|Sequelize)[ \t]*$/;
// User, password as the first two arguments of login, bind and credential calls (`NetworkCredential(…)`, requests'
// `auth=(…)`), or after a distinguished name.
const USER_PASS_ARGS = new RegExp(`(["'])[^"'\\n]{1,128}\\1${ARG}\\2`, 'y');
const DN_PASS_ARGS = new RegExp(`(["'])(?:cn|uid|ou)=[^"'\\n]{1,200}\\1${ARG}\\2`, 'iy');
// JDBC's `DriverManager.getConnection(url, "user", "pass")`: the URL is often a variable, the user and password literals.
const URL_USER_PASS_ARGS = new RegExp(`[A-Za-z_][\\w.]{0,63}${ARG}\\1${ARG}\\3`, 'y');
const URL_USER_PASS_FUNCTION = /getConnection[ \t]*$/;
const LOGIN_FUNCTION = /(?:^|[^\w$])(?:login|log_in|simple_bind(?:_s)?|bind_s|NetworkCredential|PasswordAuthentication|UsernamePasswordCredentials|HTTPBasicAuth|HTTPDigestAuth|BasicAuth|basic_auth[ \t]*=|auth[ \t]*=)[ \t]*$/i;

export function detectConnectCalls(text: string, out: Detection[]): void {
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', open + 1)) {
    if (URL_USER_PASS_FUNCTION.test(text.slice(Math.max(0, open - 24), open))) {
      URL_USER_PASS_ARGS.lastIndex = open + 1;
      const m = URL_USER_PASS_ARGS.exec(text);
      const password = m?.[4];
      if (m && password !== undefined && password.length >= 3 && !isPlaceholder(password)) {
        const end = m.index + m[0].length - 1;
        out.push({ entity: 'PASSWORD', start: end - password.length, end, confidence: 0.85, detector: 'password.connect_call' });
        open = end;
        continue;
      }
    }
    CALL_OPEN.lastIndex = open;
    if (!CALL_OPEN.test(text)) continue;
    const at = CALL_OPEN.lastIndex;
    DSN_ARGS.lastIndex = at;
    let m = DSN_ARGS.exec(text);
    if (!m && HOST_USER_PASS_FUNCTION.test(text.slice(Math.max(0, open - 24), open))) {
      HOST_USER_PASS_ARGS.lastIndex = at;
      m = HOST_USER_PASS_ARGS.exec(text);
    }
    let password = m?.[5];
    if (!m) {
      const pair = LOGIN_FUNCTION.test(text.slice(Math.max(0, open - 24), open)) ? USER_PASS_ARGS : DN_PASS_ARGS;
      pair.lastIndex = at;
      m = pair.exec(text);
      password = m?.[3];
      if (password !== undefined && /\s/.test(password)) continue; // a message, not a password
    }
    if (m === null || password === undefined || password.length < 3 || isPlaceholder(password)) continue;
    const end = m.index + m[0].length - 1; // before the closing quote
    out.push({ entity: 'PASSWORD', start: end - password.length, end, confidence: 0.85, detector: 'password.connect_call' });
    open = end;
  }
}
