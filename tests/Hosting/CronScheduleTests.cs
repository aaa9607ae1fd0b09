using System.Diagnostics;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Tests.Hosting;

public sealed class CronScheduleTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    private static DateTimeOffset Next(string expression, DateTimeOffset after) =>
        CronSchedule.Parse(expression).GetNextOccurrence(after)
        ?? throw new InvalidOperationException($"'{expression}' had no occurrence after {after:O}.");

    private static List<DateTimeOffset> Take(string expression, DateTimeOffset after, int count)
    {
        var schedule = CronSchedule.Parse(expression);
        var result = new List<DateTimeOffset>();
        var cursor = after;
        for (var i = 0; i < count; i++)
        {
            cursor = schedule.GetNextOccurrence(cursor) ?? throw new InvalidOperationException("Ran out of occurrences.");
            result.Add(cursor);
        }

        return result;
    }

    [Fact]
    public void EveryMinuteFiresAtTheStartOfTheNextMinute()
    {
        Assert.Equal(Utc(2025, 3, 10, 10, 16), Next("0 */1 * * * *", Utc(2025, 3, 10, 10, 15, 30)));
        Assert.Equal(Utc(2025, 3, 11, 0, 0), Next("0 */1 * * * *", Utc(2025, 3, 10, 23, 59, 0)));
    }

    [Fact]
    public void EveryFiveSecondsFiresOnMultiplesOfFiveSeconds()
    {
        var after = Utc(2025, 3, 10, 10, 15, 31).AddMilliseconds(250);
        Assert.Equal(
            [Utc(2025, 3, 10, 10, 15, 35), Utc(2025, 3, 10, 10, 15, 40), Utc(2025, 3, 10, 10, 15, 45)],
            Take("*/5 * * * * *", after, 3));
        Assert.Equal(Utc(2025, 3, 10, 10, 16, 0), Next("*/5 * * * * *", Utc(2025, 3, 10, 10, 15, 55)));
    }

    [Fact]
    public void WeekdaysAtNineThirtySkipTheWeekend()
    {
        // 2025-03-14 is a Friday; the next weekday is Monday 2025-03-17.
        Assert.Equal(Utc(2025, 3, 17, 9, 30), Next("0 30 9 * * 1-5", Utc(2025, 3, 14, 10, 0)));
        Assert.Equal(Utc(2025, 3, 14, 9, 30), Next("0 30 9 * * 1-5", Utc(2025, 3, 14, 9, 29, 59)));
        Assert.Equal(
            [Utc(2025, 3, 17, 9, 30), Utc(2025, 3, 18, 9, 30), Utc(2025, 3, 19, 9, 30), Utc(2025, 3, 20, 9, 30),
             Utc(2025, 3, 21, 9, 30), Utc(2025, 3, 24, 9, 30)],
            Take("0 30 9 * * 1-5", Utc(2025, 3, 15, 12, 0), 6));
    }

    [Fact]
    public void FirstOfTheMonthRollsOverIntoTheNextMonth()
    {
        Assert.Equal(Utc(2025, 4, 1), Next("0 0 0 1 * *", Utc(2025, 3, 15)));
        Assert.Equal(Utc(2025, 3, 1), Next("0 0 0 1 * *", Utc(2025, 2, 28, 23, 59, 59)));
    }

    [Fact]
    public void FirstOfTheMonthRollsOverFromDecemberToJanuaryOfTheNextYear()
    {
        Assert.Equal(Utc(2026, 1, 1), Next("0 0 0 1 * *", Utc(2025, 12, 1)));
        Assert.Equal(Utc(2026, 1, 1), Next("0 0 0 1 * *", Utc(2025, 12, 31, 23, 59, 59)));
    }

    [Fact]
    public void FebruaryTwentyNinthFindsTheNextLeapYear()
    {
        Assert.Equal(Utc(2028, 2, 29, 12, 0), Next("0 0 12 29 2 *", Utc(2025, 1, 1)));
        Assert.Equal(Utc(2032, 2, 29, 12, 0), Next("0 0 12 29 2 *", Utc(2028, 2, 29, 12, 0)));
    }

    [Fact]
    public void FebruaryTwentyNinthSkipsTheNonLeapCenturyYear()
    {
        // 2100 is not a leap year, so the gap after 2096 is eight years.
        Assert.Equal(Utc(2104, 2, 29, 12, 0), Next("0 0 12 29 2 *", Utc(2096, 3, 1)));
    }

    [Theory]
    [InlineData("0 0 0 30 2 *")]
    [InlineData("0 0 0 31 4,6,9,11 *")]
    public void ADateThatNeverExistsHasNoNextOccurrence(string expression)
    {
        Assert.Null(CronSchedule.Parse(expression).GetNextOccurrence(Utc(2025, 1, 1)));
        Assert.Empty(CronSchedule.Parse(expression).GetOccurrences(Utc(2025, 1, 1), Utc(2035, 1, 1)));
    }

    [Fact]
    public void WhenDayOfMonthAndDayOfWeekAreBothRestrictedEitherMatches()
    {
        // The 13th of the month OR any Friday: Fri 7th, Thu 13th, Fri 14th, Fri 21st, Fri 28th, Fri 4 April...
        Assert.Equal(
            [Utc(2025, 3, 7), Utc(2025, 3, 13), Utc(2025, 3, 14), Utc(2025, 3, 21), Utc(2025, 3, 28), Utc(2025, 4, 4)],
            Take("0 0 0 13 * FRI", Utc(2025, 3, 1), 6));
    }

    [Fact]
    public void WhenDayOfWeekIsStarOnlyDayOfMonthRestricts()
    {
        Assert.Equal([Utc(2025, 3, 13), Utc(2025, 4, 13)], Take("0 0 0 13 * *", Utc(2025, 3, 1), 2));
    }

    [Fact]
    public void WhenDayOfMonthIsStarOnlyDayOfWeekRestricts()
    {
        Assert.Equal([Utc(2025, 3, 7), Utc(2025, 3, 14)], Take("0 0 0 * * 5", Utc(2025, 3, 1), 2));
    }

    [Fact]
    public void MonthAndDayNamesSelectMondaysInJanuaryAndJuly()
    {
        Assert.Equal(
            [Utc(2025, 1, 27), Utc(2025, 7, 7), Utc(2025, 7, 14), Utc(2025, 7, 21), Utc(2025, 7, 28), Utc(2026, 1, 5)],
            Take("0 0 0 * JAN,JUL MON", Utc(2025, 1, 21), 6));
    }

    [Fact]
    public void NamesAreCaseInsensitiveAndEquivalentToNumbers()
    {
        var from = Utc(2025, 1, 1);
        var to = Utc(2027, 1, 1);
        var expected = CronSchedule.Parse("0 0 0 * 1,7 1").GetOccurrences(from, to).ToList();
        Assert.Equal(expected, CronSchedule.Parse("0 0 0 * jan,Jul mOn").GetOccurrences(from, to));
        Assert.Equal(expected, CronSchedule.Parse("0 0 0 * JAN,JUL MON").GetOccurrences(from, to));
        Assert.Equal(
            CronSchedule.Parse("0 0 0 * 3-5 1-5").GetOccurrences(from, to),
            CronSchedule.Parse("0 0 0 * MAR-MAY MON-FRI").GetOccurrences(from, to));
    }

    [Fact]
    public void SevenAndZeroAndSunAllMeanSunday()
    {
        var from = Utc(2025, 1, 1);
        var to = Utc(2025, 4, 1);
        var sundays = CronSchedule.Parse("0 0 0 * * 0").GetOccurrences(from, to).ToList();
        Assert.Equal(13, sundays.Count);
        Assert.All(sundays, s => Assert.Equal(DayOfWeek.Sunday, s.DayOfWeek));
        Assert.Equal(sundays, CronSchedule.Parse("0 0 0 * * 7").GetOccurrences(from, to));
        Assert.Equal(sundays, CronSchedule.Parse("0 0 0 * * SUN").GetOccurrences(from, to));
    }

    [Fact]
    public void ARangeEndingInSevenIncludesSunday()
    {
        Assert.Equal(
            [Utc(2025, 3, 14), Utc(2025, 3, 15), Utc(2025, 3, 16), Utc(2025, 3, 21)],
            Take("0 0 0 * * 5-7", Utc(2025, 3, 13), 4));
    }

    [Theory]
    [InlineData("0 10-30/10 * * * *", new[] { 10, 20, 30 })]
    [InlineData("0 5/15 * * * *", new[] { 5, 20, 35, 50 })]
    [InlineData("0 */20 * * * *", new[] { 0, 20, 40 })]
    [InlineData("0 1-3,50-59/4 * * * *", new[] { 1, 2, 3, 50, 54, 58 })]
    [InlineData("0 7 * * * *", new[] { 7 })]
    public void MinuteRangesListsAndStepsSelectTheExpectedMinutes(string expression, int[] minutes)
    {
        var occurrences = CronSchedule.Parse(expression).GetOccurrences(Utc(2025, 3, 10, 9, 59, 59), Utc(2025, 3, 10, 10, 59, 59));
        Assert.Equal(minutes, occurrences.Select(o => o.Minute));
        Assert.All(occurrences, o => Assert.Equal(10, o.Hour));
    }

    [Fact]
    public void HourAndDayStepsStartFromTheGivenValue()
    {
        Assert.Equal(
            [Utc(2025, 3, 10, 1), Utc(2025, 3, 10, 7), Utc(2025, 3, 10, 13), Utc(2025, 3, 10, 19), Utc(2025, 3, 11, 1)],
            Take("0 0 1/6 * * *", Utc(2025, 3, 10), 5));
        Assert.Equal(
            [Utc(2025, 3, 11), Utc(2025, 3, 21), Utc(2025, 3, 31), Utc(2025, 4, 1)],
            Take("0 0 0 */10 * *", Utc(2025, 3, 10), 4));
    }

    [Fact]
    public void MatchesABruteForceScanAcrossAYearBoundary()
    {
        var cases = new (string Expression, Func<DateTimeOffset, bool> Matches)[]
        {
            ("0 30 9 * * 1-5", t => t is { Second: 0, Minute: 30, Hour: 9 } && t.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)),
            ("15 */7 2-4 * * *", t => t.Second == 15 && t.Minute % 7 == 0 && t.Hour is >= 2 and <= 4),
            ("0 0 */5 13 * FRI", t => t is { Second: 0, Minute: 0 } && t.Hour % 5 == 0 && (t.Day == 13 || t.DayOfWeek == DayOfWeek.Friday)),
            ("0 45 23 1-2,31 * *", t => t is { Second: 0, Minute: 45, Hour: 23 } && t.Day is 1 or 2 or 31),
        };

        var start = Utc(2024, 12, 20);
        var end = Utc(2025, 1, 15);
        foreach (var (expression, matches) in cases)
        {
            var expected = new List<DateTimeOffset>();
            for (var t = start.AddSeconds(1); t <= end; t = t.AddSeconds(1))
            {
                if (matches(t))
                {
                    expected.Add(t);
                }
            }

            Assert.NotEmpty(expected);
            Assert.Equal(expected, CronSchedule.Parse(expression).GetOccurrences(start, end));
        }
    }

    [Theory]
    [InlineData("0 */5 * * *")]
    [InlineData("*/5 * * * *")]
    public void AFiveFieldExpressionIsRejectedAskingForSeconds(string expression)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Contains("5 fields", ex.Message, StringComparison.Ordinal);
        Assert.Contains("6-field", ex.Message, StringComparison.Ordinal);
        Assert.Contains("seconds", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("60 * * * * *", "second field", "'60'", "0-59")]
    [InlineData("0 60 * * * *", "minute field", "'60'", "0-59")]
    [InlineData("0 0 24 * * *", "hour field", "'24'", "0-23")]
    [InlineData("0 0 0 32 * *", "day field", "'32'", "1-31")]
    [InlineData("0 0 0 0 * *", "day field", "'0'", "1-31")]
    [InlineData("0 0 0 * 13 *", "month field", "'13'", "1-12 or JAN-DEC")]
    [InlineData("0 0 0 * * 8", "day-of-week field", "'8'", "SUN-SAT")]
    [InlineData("0 0 0 * FOO *", "month field", "'FOO'", "JAN-DEC")]
    [InlineData("0 0 0 * * MONDAY", "day-of-week field", "'MONDAY'", "SUN-SAT")]
    [InlineData("0 abc * * * *", "minute field", "'abc'", "0-59")]
    [InlineData("0 0 -1 * * *", "hour field", "'-1'", "0-23")]
    [InlineData("0 0 1-30 * * *", "hour field", "'30'", "0-23")]
    public void AnOutOfRangeOrUnknownValueNamesTheFieldTheValueAndTheAllowedRange(
        string expression, string field, string value, string allowed)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expression, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*/0 * * * * *", "second field")]
    [InlineData("0 */x * * * *", "minute field")]
    [InlineData("0 0 */ * * *", "hour field")]
    [InlineData("0 0 0 1-10/-2 * *", "day field")]
    public void AnInvalidStepIsRejectedNamingTheField(string expression, string field)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains("step", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 30-10 * * * *", "minute field")]
    [InlineData("0 0 0 * * FRI-MON", "day-of-week field")]
    [InlineData("0 1,,2 * * * *", "minute field")]
    [InlineData("0 0 0 1- * *", "day field")]
    public void AMalformedRangeOrListIsRejectedNamingTheField(string expression, string field)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("every five minutes please")]
    [InlineData("0 0 0 * * * *")]
    [InlineData("@daily")]
    public void GarbageOrTheWrongNumberOfFieldsIsRejected(string expression)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Contains("6-field", ex.Message, StringComparison.Ordinal);
        Assert.False(CronSchedule.TryParse(expression, out var schedule));
        Assert.Null(schedule);
    }

    [Theory]
    [InlineData("0 */5 * * *")]
    [InlineData("*/0 * * * * *")]
    [InlineData("0 0 24 * * *")]
    [InlineData("x y z a b c")]
    [InlineData(null)]
    public void TryParseReturnsFalseForInvalidExpressions(string? expression)
    {
        Assert.False(CronSchedule.TryParse(expression, out var schedule));
        Assert.Null(schedule);
    }

    [Fact]
    public void TryParseReturnsTheScheduleForAValidExpression()
    {
        Assert.True(CronSchedule.TryParse("0 */5 * * * *", out var schedule));
        Assert.Equal(Utc(2025, 3, 10, 10, 5), schedule.GetNextOccurrence(Utc(2025, 3, 10, 10, 0)));
    }

    [Fact]
    public void ParseRejectsNull() =>
        Assert.Throws<ArgumentNullException>(() => CronSchedule.Parse(null!));

    [Fact]
    public void ExtraWhitespaceIsToleratedAndToStringReturnsTheOriginalExpression()
    {
        const string expression = "  0\t30   9 *  * 1-5 ";
        var schedule = CronSchedule.Parse(expression);
        Assert.Equal(expression, schedule.ToString());
        Assert.Equal(Utc(2025, 3, 17, 9, 30), schedule.GetNextOccurrence(Utc(2025, 3, 14, 10, 0)));
        Assert.Equal("0 */5 * * * *", CronSchedule.Parse("0 */5 * * * *").ToString());
    }

    [Fact]
    public void AnInstantExactlyOnAMatchReturnsTheFollowingOccurrence()
    {
        Assert.Equal(Utc(2025, 3, 11, 12, 0), Next("0 0 12 * * *", Utc(2025, 3, 10, 12, 0)));
        Assert.Equal(Utc(2025, 3, 10, 10, 5), Next("0 */5 * * * *", Utc(2025, 3, 10, 10, 0)));
        Assert.Equal(Utc(2025, 3, 10, 10, 0, 1), Next("* * * * * *", Utc(2025, 3, 10, 10, 0)));
    }

    [Fact]
    public void AnInstantJustBeforeAMatchReturnsThatMatch()
    {
        Assert.Equal(Utc(2025, 3, 10, 12, 0), Next("0 0 12 * * *", Utc(2025, 3, 10, 12, 0).AddTicks(-1)));
        Assert.Equal(Utc(2025, 3, 11, 12, 0), Next("0 0 12 * * *", Utc(2025, 3, 10, 12, 0).AddMilliseconds(999)));
    }

    [Fact]
    public void OccurrencesOverAnHourAtQuarterHoursAreFour()
    {
        var occurrences = CronSchedule.Parse("0 */15 * * * *")
            .GetOccurrences(Utc(2025, 3, 10, 10, 0), Utc(2025, 3, 10, 11, 0))
            .ToList();
        Assert.Equal(
            [Utc(2025, 3, 10, 10, 15), Utc(2025, 3, 10, 10, 30), Utc(2025, 3, 10, 10, 45), Utc(2025, 3, 10, 11, 0)],
            occurrences);
    }

    [Fact]
    public void OccurrencesOfAnEmptyOrInvertedIntervalAreNone()
    {
        var schedule = CronSchedule.Parse("* * * * * *");
        Assert.Empty(schedule.GetOccurrences(Utc(2025, 3, 10), Utc(2025, 3, 10)));
        Assert.Empty(schedule.GetOccurrences(Utc(2025, 3, 10), Utc(2025, 3, 9)));
    }

    [Fact]
    public void ANonUtcOffsetIsTreatedAsTheSameInstantAndTheResultIsUtc()
    {
        var schedule = CronSchedule.Parse("0 0 * * * *");
        var local = new DateTimeOffset(2025, 3, 10, 12, 15, 0, TimeSpan.FromHours(2)); // 10:15Z
        var next = schedule.GetNextOccurrence(local);
        Assert.Equal(Utc(2025, 3, 10, 11, 0), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
        Assert.Equal(schedule.GetNextOccurrence(local.ToUniversalTime()), next);

        // Across a date boundary: 2025-03-10 23:30 at -05:00 is 2025-03-11 04:30Z.
        var western = new DateTimeOffset(2025, 3, 10, 23, 30, 0, TimeSpan.FromHours(-5));
        Assert.Equal(Utc(2025, 3, 12, 0, 0), CronSchedule.Parse("0 0 0 * * *").GetNextOccurrence(western));

        var occurrences = CronSchedule.Parse("0 */15 * * * *")
            .GetOccurrences(new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.FromHours(2)), Utc(2025, 3, 10, 11, 0));
        Assert.Equal(4, occurrences.Count());
        Assert.All(occurrences, o => Assert.Equal(TimeSpan.Zero, o.Offset));
    }

    [Fact]
    public void NoOccurrenceBeyondTheEndOfTheCalendarIsNullRatherThanAnError()
    {
        Assert.Null(CronSchedule.Parse("0 0 0 1 1 *").GetNextOccurrence(Utc(9999, 6, 1)));
        Assert.Null(CronSchedule.Parse("* * * * * *").GetNextOccurrence(DateTimeOffset.MaxValue));
        Assert.Equal(Utc(9999, 12, 31, 23, 59, 59), Next("59 59 23 31 12 *", Utc(9999, 12, 31)));
    }

    [Fact]
    public void ResultsAlwaysHaveAUtcOffset()
    {
        Assert.All(
            CronSchedule.Parse("0 0 */6 * * *").GetOccurrences(Utc(2025, 1, 1), Utc(2025, 1, 10)),
            o => Assert.Equal(TimeSpan.Zero, o.Offset));
    }

    [Fact]
    public void ASparseScheduleIsComputedWithoutSteppingSecondBySecond()
    {
        var yearly = CronSchedule.Parse("0 0 0 1 1 *");
        var leapDay = CronSchedule.Parse("59 59 23 29 2 *");
        yearly.GetNextOccurrence(Utc(2025, 1, 1)); // warm up the JIT
        leapDay.GetNextOccurrence(Utc(2025, 1, 1));

        var stopwatch = Stopwatch.StartNew();
        var cursor = Utc(2025, 1, 1, 0, 0, 1);
        for (var i = 0; i < 1000; i++)
        {
            cursor = yearly.GetNextOccurrence(Utc(2025, 1, 1, 0, 0, 1))!.Value;
            leapDay.GetNextOccurrence(Utc(2025, 1, 1));
        }

        stopwatch.Stop();
        Assert.Equal(Utc(2026, 1, 1), cursor);

        // Stepping second by second would take ~31 million iterations per call; skipping takes a few dozen.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"2000 sparse look-ups took {stopwatch.Elapsed}.");
    }
}
