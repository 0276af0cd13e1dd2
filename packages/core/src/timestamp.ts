/**
 * The timestamps a3s-code reads: `chrono::DateTime<Utc>` through serde, which parses with chrono's relaxed RFC 3339
 * grammar (`FromStr for DateTime<FixedOffset>`, then converts to UTC). Ported rule for rule so that we accept exactly
 * what a3s-code accepts and refuse what it refuses (an impossible date such as 2024-02-30, an offset of a day or more):
 *
 * - `Y-M-D`, then `T`, `t` or one space, then `h:m:s`, an optional fraction, then `Z`, `z`, `UTC` (any case) or an
 *   offset `±hh[:]mm` (U+2212 MINUS SIGN too);
 * - the year has 1 to 4 digits, or a sign and any number of digits; month, day, hour, minute and second 1 or 2 digits;
 * - the fraction is a dot and at least one digit (digits past the ninth are read and ignored);
 * - whitespace may stand before every number, around the separators `-` and `:`, before the offset and at the end;
 * - second 60 is a leap second (chrono keeps it as 59 s + 1 s of nanoseconds).
 *
 * a3s-code writes its own timestamps back as `YYYY-MM-DDThh:mm:ss[.fff|.ffffff|.fffffffff]Z`; we keep the text as read.
 */

// Rust's char::is_whitespace (the Unicode White_Space property), which chrono's trim_start uses.
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const S = `[${WS}]*`;
const YEAR = `(?:([+-])(\\d+)|(\\d{1,4}))`;
const N2 = '(\\d{1,2})';
const OFFSET = `(?:([Zz])|([Uu][Tt][Cc])|([+\\-\\u2212])(\\d{2})[:${WS}]*(\\d{2}))`;
const GRAMMAR = new RegExp(
  `^${S}${YEAR}${S}-${S}${N2}${S}-${S}${N2}[Tt ]${S}${N2}${S}:${S}${N2}${S}:${S}${N2}(?:\\.(\\d+))?${S}${OFFSET}${S}$`,
);

// chrono's NaiveDate range: years -262143 to 262142 (i32 >> 13 bits).
const MIN_YEAR = -262_143;
const MAX_YEAR = 262_142;

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2
    ? isLeap(year)
      ? 29
      : 28
    : ([31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number);
}

/** Why chrono refuses `text`, or null when it reads it. */
export function chronoTimestampProblem(text: string): string | null {
  const m = GRAMMAR.exec(text);
  if (m === null)
    return 'is not an RFC 3339 timestamp with an offset (e.g. 2026-01-31T09:30:00Z or 2026-01-31T17:30:00.5+08:00)';
  const [, sign, signedDigits, plainYear, mo, d, h, mi, s, , zulu, utc, offSign, offH, offM] = m;
  // A signed year may have any number of digits (leading zeros too); past 6 significant ones it is out of range.
  const significant = (signedDigits ?? '').replace(/^0+/, '');
  if (plainYear === undefined && significant.length > 6) return 'has a year out of range';
  const year = plainYear !== undefined ? Number(plainYear) : (sign === '-' ? -1 : 1) * Number(significant || '0');
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < MIN_YEAR || year > MAX_YEAR) return 'has a year out of range';
  if (month < 1 || month > 12) return 'has no such month';
  if (day < 1 || day > daysIn(year, month)) return `has no such day (${year}-${month} has ${daysIn(year, month)} days)`;
  if (hour > 23) return 'has an hour past 23';
  if (minute > 59) return 'has a minute past 59';
  if (second > 60) return 'has a second past 60';
  if (zulu === undefined && utc === undefined) {
    if (Number(offM) > 59) return 'has an offset with minutes past 59';
    // FixedOffset::east_opt: strictly less than one day either way.
    if (Number(offH) * 3600 + Number(offM) * 60 >= 86_400) return 'has an offset of a day or more';
  }
  // The UTC instant must stay inside chrono's range too; only the first and last day of it can leave it.
  if ((year === MIN_YEAR && month === 1 && day === 1) || (year === MAX_YEAR && month === 12 && day === 31)) {
    const offsetMinutes =
      zulu !== undefined || utc !== undefined ? 0 : (offSign === '+' ? 1 : -1) * (Number(offH) * 60 + Number(offM));
    const minutes = hour * 60 + minute - offsetMinutes;
    if ((year === MIN_YEAR && minutes < 0) || (year === MAX_YEAR && minutes >= 24 * 60))
      return 'has a year out of range';
  }
  return null;
}

/** Whether a3s-code (chrono) reads `text` as a `DateTime<Utc>`. */
export function isChronoTimestamp(text: string): boolean {
  return chronoTimestampProblem(text) === null;
}
