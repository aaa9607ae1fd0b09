using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace ServerlessCommerce.Hosting;

/// <summary>
/// A parsed 6-field NCRONTAB expression, the format Azure Functions timer triggers use:
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, always evaluated in UTC.
/// </summary>
/// <remarks>
/// <para>
/// Each field accepts <c>*</c>, numbers, ranges <c>a-b</c>, lists <c>a,b,c</c> and steps <c>*/n</c>, <c>a-b/n</c>
/// and <c>a/n</c> (from <c>a</c> to the field's maximum). Months accept <c>JAN</c>-<c>DEC</c> and days of the week
/// <c>SUN</c>-<c>SAT</c>, case-insensitively. Day-of-week runs 0-6 with Sunday as 0; 7 is also Sunday.
/// </para>
/// <para>
/// Day-of-month and day-of-week combine as in cron: when both fields are restricted (neither is written as a
/// plain <c>*</c>) a day matches if <em>either</em> matches; when one of them is <c>*</c> only the other restricts.
/// </para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class CronSchedule
{
    /// <summary>
    /// How far ahead <see cref="GetNextOccurrence"/> searches before giving up. Eight years covers the longest gap
    /// between two February 29ths (across a non-leap century year, e.g. 2096 to 2104).
    /// </summary>
    private const int SearchHorizonYears = 8;

    private const string FormatHint =
        "the 6-field NCRONTAB format with seconds is required: '{second} {minute} {hour} {day} {month} {day-of-week}', " +
        "e.g. '0 */5 * * * *' for every five minutes";

    private static readonly ImmutableArray<string> MonthNames =
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    private static readonly ImmutableArray<string> DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly ImmutableArray<FieldSpec> Fields =
    [
        new("second", 1, 0, 59, 59, [], 0),
        new("minute", 2, 0, 59, 59, [], 0),
        new("hour", 3, 0, 23, 23, [], 0),
        new("day", 4, 1, 31, 31, [], 0),
        new("month", 5, 1, 12, 12, MonthNames, 1),
        // Day-of-week accepts 7 as a value (folded onto 0, Sunday, after parsing), but '*' and 'a/n' stop at 6 (SAT).
        new("day-of-week", 6, 0, 7, 6, DayNames, 0),
    ];

    private readonly string _expression;
    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _days;
    private readonly ulong _months;
    private readonly ulong _daysOfWeek;
    private readonly bool _dayOfMonthIsStar;
    private readonly bool _dayOfWeekIsStar;

    private CronSchedule(string expression, ulong[] masks, bool dayOfMonthIsStar, bool dayOfWeekIsStar)
    {
        _expression = expression;
        _seconds = masks[0];
        _minutes = masks[1];
        _hours = masks[2];
        _days = masks[3];
        _months = masks[4];
        _daysOfWeek = masks[5];
        _dayOfMonthIsStar = dayOfMonthIsStar;
        _dayOfWeekIsStar = dayOfWeekIsStar;
    }

    /// <summary>Parses a 6-field NCRONTAB expression.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    /// <exception cref="FormatException">
    /// The expression is not valid; the message names the offending field, its value and the allowed range.
    /// </exception>
    public static CronSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return TryParseCore(expression, out var schedule, out var error)
            ? schedule
            : throw new FormatException(error);
    }

    /// <summary>Parses a 6-field NCRONTAB expression, returning false instead of throwing when it is invalid.</summary>
    public static bool TryParse(string? expression, [NotNullWhen(true)] out CronSchedule? schedule)
    {
        if (expression is null)
        {
            schedule = null;
            return false;
        }

        return TryParseCore(expression, out schedule, out _);
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="after"/>, with a UTC offset; null when the schedule has
    /// no occurrence within the next several years (e.g. <c>0 0 0 30 2 *</c>, February 30th).
    /// </summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => Next(after.UtcTicks, int.MaxValue);

    /// <summary>
    /// The occurrences in the interval (<paramref name="fromExclusive"/>, <paramref name="toInclusive"/>], in order,
    /// with UTC offsets. Enumerated lazily.
    /// </summary>
    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset fromExclusive, DateTimeOffset toInclusive)
    {
        var endYear = toInclusive.UtcDateTime.Year;
        var cursor = fromExclusive.UtcTicks;
        while (cursor < toInclusive.UtcTicks)
        {
            var next = Next(cursor, endYear);
            if (next is not { } occurrence || occurrence > toInclusive)
            {
                yield break;
            }

            yield return occurrence;
            cursor = occurrence.UtcTicks;
        }
    }

    /// <summary>The expression this schedule was parsed from, exactly as given.</summary>
    public override string ToString() => _expression;

    /// <summary>
    /// Finds the first matching second strictly after <paramref name="afterTicks"/> (UTC), searching no further than
    /// the end of <paramref name="maxYear"/> or the search horizon, whichever comes first. Whole months, days, hours
    /// and minutes that cannot match are skipped, so the cost is independent of how sparse the schedule is.
    /// </summary>
    private DateTimeOffset? Next(long afterTicks, int maxYear)
    {
        var start = afterTicks - (afterTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond;
        if (start > DateTime.MaxValue.Ticks)
        {
            return null;
        }

        var t = new DateTime(start, DateTimeKind.Utc);
        int year = t.Year, month = t.Month, day = t.Day, hour = t.Hour, minute = t.Minute, second = t.Second;
        var lastYear = Math.Min(Math.Min(maxYear, year + SearchHorizonYears), DateTime.MaxValue.Year);
        var firstMonth = NextBit(_months, 1);

        while (year <= lastYear)
        {
            // Month: jump straight to the next allowed month (possibly in the next year).
            if (!Has(_months, month))
            {
                var m = NextBit(_months, month);
                if (m < 0)
                {
                    year++;
                    month = firstMonth;
                }
                else
                {
                    month = m;
                }

                day = 1;
                hour = minute = second = 0;
                continue;
            }

            // Day: past the end of the month rolls into the next month.
            if (day > DateTime.DaysInMonth(year, month))
            {
                if (++month > 12)
                {
                    month = 1;
                    year++;
                }

                day = 1;
                hour = minute = second = 0;
                continue;
            }

            if (!DayMatches(year, month, day))
            {
                day++;
                hour = minute = second = 0;
                continue;
            }

            // Hour: no allowed hour left today means tomorrow.
            var h = NextBit(_hours, hour);
            if (h < 0)
            {
                day++;
                hour = minute = second = 0;
                continue;
            }

            if (h != hour)
            {
                hour = h;
                minute = second = 0;
            }

            // Minute: no allowed minute left in this hour means the next hour.
            var mi = NextBit(_minutes, minute);
            if (mi < 0)
            {
                NextHour(ref day, ref hour);
                minute = second = 0;
                continue;
            }

            if (mi != minute)
            {
                minute = mi;
                second = 0;
            }

            // Second: no allowed second left in this minute means the next minute.
            var s = NextBit(_seconds, second);
            if (s < 0)
            {
                if (++minute > 59)
                {
                    minute = 0;
                    NextHour(ref day, ref hour);
                }

                second = 0;
                continue;
            }

            return new DateTimeOffset(year, month, day, hour, minute, s, TimeSpan.Zero);
        }

        return null;
    }

    private static void NextHour(ref int day, ref int hour)
    {
        if (++hour > 23)
        {
            hour = 0;
            day++;
        }
    }

    private bool DayMatches(int year, int month, int day)
    {
        var dayOfMonthMatches = Has(_days, day);
        if (_dayOfWeekIsStar)
        {
            return dayOfMonthMatches;
        }

        var dayOfWeekMatches = Has(_daysOfWeek, (int)new DateOnly(year, month, day).DayOfWeek);
        return _dayOfMonthIsStar ? dayOfWeekMatches : dayOfMonthMatches || dayOfWeekMatches;
    }

    private static bool Has(ulong mask, int value) => (mask & (1UL << value)) != 0;

    /// <summary>The smallest set bit at or above <paramref name="from"/>, or -1 when there is none.</summary>
    private static int NextBit(ulong mask, int from)
    {
        if (from > 63)
        {
            return -1;
        }

        var rest = mask >> from;
        return rest == 0 ? -1 : from + BitOperations.TrailingZeroCount(rest);
    }

    private static bool TryParseCore(
        string expression,
        [NotNullWhen(true)] out CronSchedule? schedule,
        [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        var parts = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Fields.Length)
        {
            error = parts.Length == 0
                ? $"The cron expression is empty; {FormatHint}."
                : $"Invalid cron expression '{expression}': it has {parts.Length} field{(parts.Length == 1 ? "" : "s")} " +
                  $"but {FormatHint}.";
            return false;
        }

        var masks = new ulong[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            if (!Fields[i].TryParse(parts[i], out masks[i], out var fieldError))
            {
                error = $"Invalid cron expression '{expression}': {fieldError}";
                return false;
            }
        }

        // Fold 7 (Sunday) onto 0.
        if (Has(masks[5], 7))
        {
            masks[5] = (masks[5] & ~(1UL << 7)) | 1UL;
        }

        schedule = new CronSchedule(expression, masks, parts[3] == "*", parts[5] == "*");
        error = null;
        return true;
    }

    /// <summary>How one field is named, numbered, bounded and (optionally) spelled with names.</summary>
    /// <param name="Max">The largest value that may be written.</param>
    /// <param name="SpanMax">Where <c>*</c> and <c>a/n</c> end.</param>
    private sealed record FieldSpec(
        string Name, int Position, int Min, int Max, int SpanMax, ImmutableArray<string> Names, int FirstNameValue)
    {
        private string Label => $"the {Name} field (field {Position})";

        private string Allowed => Names.IsEmpty
            ? $"{Min}-{Max}"
            : Name == "day-of-week"
                ? $"{Min}-{Max} (0 and 7 are Sunday) or {Names[0]}-{Names[^1]}"
                : $"{Min}-{Max} or {Names[0]}-{Names[^1]}";

        public bool TryParse(string text, out ulong mask, [NotNullWhen(false)] out string? error)
        {
            mask = 0;
            foreach (var item in text.Split(','))
            {
                if (!TryParseItem(item, text, ref mask, out error))
                {
                    return false;
                }
            }

            error = null;
            return true;
        }

        private bool TryParseItem(string item, string field, ref ulong mask, [NotNullWhen(false)] out string? error)
        {
            if (item.Length == 0)
            {
                error = $"{Label} '{field}' has an empty list entry; separate values with single commas, e.g. '1,15'.";
                return false;
            }

            var rangePart = item;
            var step = 1;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                rangePart = item[..slash];
                var stepText = item[(slash + 1)..];
                if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                {
                    error = $"{Label} has an invalid step '{stepText}' in '{item}'; a step must be a whole number of " +
                            $"at least 1, e.g. '*/5'.";
                    return false;
                }
            }

            int low, high;
            if (rangePart == "*")
            {
                low = Min;
                high = SpanMax;
            }
            else
            {
                var dash = rangePart.IndexOf('-', StringComparison.Ordinal);
                if (dash >= 0)
                {
                    if (!TryParseValue(rangePart[..dash], item, out low, out error) ||
                        !TryParseValue(rangePart[(dash + 1)..], item, out high, out error))
                    {
                        return false;
                    }

                    if (low > high)
                    {
                        error = $"{Label} has the range '{rangePart}' whose start is after its end; ranges cannot " +
                                $"wrap around, list both parts instead (e.g. '22-23,0-2'). Allowed values are {Allowed}.";
                        return false;
                    }
                }
                else
                {
                    if (!TryParseValue(rangePart, item, out low, out error))
                    {
                        return false;
                    }

                    // 'a/n' means from a to the maximum in steps of n; a plain 'a' is the single value.
                    high = slash >= 0 ? Math.Max(low, SpanMax) : low;
                }
            }

            for (long v = low; v <= high; v += step)
            {
                mask |= 1UL << (int)v;
            }

            error = null;
            return true;
        }

        private bool TryParseValue(string text, string item, out int value, [NotNullWhen(false)] out string? error)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                if (value < Min || value > Max)
                {
                    error = $"{Label} value '{text}' is out of range; allowed values are {Allowed}.";
                    return false;
                }

                error = null;
                return true;
            }

            for (var index = 0; index < Names.Length; index++)
            {
                if (string.Equals(Names[index], text, StringComparison.OrdinalIgnoreCase))
                {
                    value = FirstNameValue + index;
                    error = null;
                    return true;
                }
            }

            error = text.Length == 0
                ? $"{Label} has a missing value in '{item}'; allowed values are {Allowed}."
                : $"{Label} value '{text}' is not valid; allowed values are {Allowed}.";
            return false;
        }
    }
}
