// The clauses every series query of the dashboard shares: the bucket a minute falls in (`t`, unix seconds) and the
// chosen range, both from the bound parameters `step` and `range` (seconds).
export const bucket = 'toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) AS t';
export const inRange = 'minute >= toStartOfInterval(now() - toIntervalSecond({range:UInt32}), toIntervalSecond({step:UInt32}))';
