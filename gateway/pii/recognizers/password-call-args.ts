// Passwords passed to database connect calls as a positional argument, with no cue word of their own: after a
// PDO-style DSN and the user (`new PDO('mysql:host=…;dbname=…', 'user', 'pass')`), and after host and user in
// PHP's `mysqli_connect('host', 'user', 'pass')` and `new mysqli(…)`.
import type { Detection } from '../types.ts';
import { isPlaceholder } from './password-value.ts';

/** A call's argument list opening with a string, tried at each '(' (found with indexOf, cheaper than a regex scan). */
const CALL_OPEN = /\([ \t]*(?=["'])/y;
const ARG = `[ \\t]*,[ \\t]*(["'])([^"'\\n]{0,128})`;
// A quoted DSN whose scheme names a database driver, then the user and the password as the next two arguments.
const DSN_ARGS = new RegExp(`(["'])(?:mysql|pgsql|sqlsrv|oci|odbc|firebird|dblib|informix|ibm|cubrid):[^"'\\n]{1,200}\\1${ARG}\\2${ARG}\\4`, 'y');
// Host, user, password as the first three arguments of the functions that take them so.
const HOST_USER_PASS_ARGS = new RegExp(`(["'])[^"'\\n]{1,128}\\1${ARG}\\2${ARG}\\4`, 'y');
const HOST_USER_PASS_FUNCTION = /(?:mysqli_connect|mysqli|mysql_p?connect)[ \t]*$/;

export function detectConnectCalls(text: string, out: Detection[]): void {
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', open + 1)) {
    CALL_OPEN.lastIndex = open;
    if (!CALL_OPEN.test(text)) continue;
    const at = CALL_OPEN.lastIndex;
    DSN_ARGS.lastIndex = at;
    let m = DSN_ARGS.exec(text);
    if (!m && HOST_USER_PASS_FUNCTION.test(text.slice(Math.max(0, open - 24), open))) {
      HOST_USER_PASS_ARGS.lastIndex = at;
      m = HOST_USER_PASS_ARGS.exec(text);
    }
    const password = m?.[5];
    if (m === null || password === undefined || password.length < 3 || isPlaceholder(password)) continue;
    const end = m.index + m[0].length - 1; // before the closing quote
    out.push({ entity: 'PASSWORD', start: end - password.length, end, confidence: 0.85, detector: 'password.connect_call' });
    open = end;
  }
}
