using System.Globalization;
using NCrontab;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Functions.Series;

/// <summary>What a leader sends as a series' clock: weekdays and a local start time, or a cron string, plus the offsets.</summary>
public sealed record SeriesScheduleDraft(
    List<int>? Weekdays = null,
    string? LiveStartTime = null,
    string? Cron = null,
    double? LiveDurationMinutes = null,
    double? PreheatLeadHours = null,
    double? PickupHoursAfterLive = null);

/// <summary>One occurrence of a series: the campaign times it proposes.</summary>
public sealed record SeriesOccurrence(DateTimeOffset PreheatAt, DateTimeOffset LiveStartAt, DateTimeOffset LiveEndAt, DateTimeOffset PickupUntil);

/// <summary>
/// A series' validated clock. Live starts are local times of the chain's zone (Asia/Shanghai unless the chain says
/// otherwise): <see cref="Weekdays"/> (ISO, 1 = Monday … 7 = Sunday) at <see cref="LiveStartTime"/>, or every
/// occurrence of <see cref="Cron"/> (NCrontab, 5 fields, or 6 with seconds first). The other times are offsets from
/// the live start.
/// </summary>
public sealed record SeriesSchedule(
    IReadOnlyList<int>? Weekdays,
    string? LiveStartTime,
    string? Cron,
    double LiveDurationMinutes,
    double PreheatLeadHours,
    double PickupHoursAfterLive)
{
    public const int MaxCronLength = 100;

    /// <summary>How far ahead the next occurrence is looked for (a cron that matches nothing within a year is refused).</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(366);

    /// <summary>Checks a draft; null (and the errors added) when it is not a usable schedule.</summary>
    public static SeriesSchedule? Validate(Validator v, SeriesScheduleDraft? d, TimeZoneInfo zone, DateTimeOffset now)
    {
        if (d is null)
        {
            v.Add("schedule", "schedule is required: weekdays and liveStartTime (or cron), liveDurationMinutes, preheatLeadHours, pickupHoursAfterLive.");
            return null;
        }

        var ok = true;
        IReadOnlyList<int>? weekdays = null;
        string? time = null;
        string? cron = null;
        if (!string.IsNullOrWhiteSpace(d.Cron))
        {
            cron = d.Cron.Trim();
            if (d.Weekdays is { Count: > 0 } || !string.IsNullOrWhiteSpace(d.LiveStartTime))
            {
                v.Add("schedule.cron", "Give either cron or weekdays with liveStartTime, not both.");
                ok = false;
            }
            else if (cron.Length > MaxCronLength || ParseCron(cron) is not { } parsed)
            {
                v.Add("schedule.cron", $"schedule.cron must be an NCrontab expression of at most {MaxCronLength} characters (5 fields, e.g. '0 20 * * 0' = Sundays 20:00, or 6 with seconds first).");
                ok = false;
            }
            else if (TimeZoneInfo.ConvertTime(now + Horizon, zone).DateTime is var limit && parsed.GetNextOccurrence(TimeZoneInfo.ConvertTime(now, zone).DateTime, limit) >= limit)
            {
                v.Add("schedule.cron", "schedule.cron has no occurrence within the next 366 days.");
                ok = false;
            }
        }
        else
        {
            if (d.Weekdays is not { Count: > 0 and <= 7 } || d.Weekdays.Any(w => w is < 1 or > 7) || d.Weekdays.Distinct().Count() != d.Weekdays.Count)
            {
                v.Add("schedule.weekdays", "schedule.weekdays must list 1 to 7 different days, 1 = Monday … 7 = Sunday (or give schedule.cron instead).");
                ok = false;
            }
            else
            {
                weekdays = d.Weekdays.Order().ToList();
            }

            if (ParseTime(d.LiveStartTime) is not { } t)
            {
                v.Add("schedule.liveStartTime", "schedule.liveStartTime must be a local time HH:mm (or HH:mm:ss), e.g. 20:00.");
                ok = false;
            }
            else
            {
                time = t.ToString(t.Second == 0 ? "HH':'mm" : "HH':'mm':'ss", CultureInfo.InvariantCulture);
            }
        }

        var duration = d.LiveDurationMinutes ?? 120;
        if (double.IsNaN(duration) || duration is <= 0 or > 24 * 60)
        {
            v.Add("schedule.liveDurationMinutes", "schedule.liveDurationMinutes must be above 0 and at most 1440 (decimals allowed).");
            ok = false;
        }

        var preheat = d.PreheatLeadHours ?? 48;
        if (double.IsNaN(preheat) || preheat is < 0 or > 14 * 24)
        {
            v.Add("schedule.preheatLeadHours", "schedule.preheatLeadHours must be between 0 and 336 (14 days; decimals allowed).");
            ok = false;
        }

        var pickup = d.PickupHoursAfterLive ?? 48;
        if (double.IsNaN(pickup) || pickup is <= 0 or > 30 * 24)
        {
            v.Add("schedule.pickupHoursAfterLive", "schedule.pickupHoursAfterLive must be above 0 and at most 720 (30 days; decimals allowed).");
            ok = false;
        }

        return ok ? new SeriesSchedule(weekdays, time, cron, duration, preheat, pickup) : null;
    }

    /// <summary>The first occurrence whose live starts after <paramref name="after"/> (within a year), or null.</summary>
    public SeriesOccurrence? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var start = NextStart(after, zone);
        if (start is not { } s)
        {
            return null;
        }

        var end = s.AddMinutes(LiveDurationMinutes);
        return new SeriesOccurrence(s.AddHours(-PreheatLeadHours), s, end, end.AddHours(PickupHoursAfterLive));
    }

    private DateTimeOffset? NextStart(DateTimeOffset after, TimeZoneInfo zone)
    {
        var localAfter = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        if (Cron is not null)
        {
            var schedule = ParseCron(Cron)!;
            var limit = localAfter + Horizon;
            var from = localAfter;
            // A local time skipped by a daylight-saving change has no instant: try the next one.
            for (var i = 0; i < 10; i++)
            {
                var next = schedule.GetNextOccurrence(from, limit);
                if (next >= limit)
                {
                    return null;
                }

                if (!zone.IsInvalidTime(next))
                {
                    return ToInstant(next, zone);
                }

                from = next;
            }

            return null;
        }

        var time = ParseTime(LiveStartTime)!.Value;
        for (var day = 0; day <= 8; day++)
        {
            var date = localAfter.Date.AddDays(day);
            var iso = date.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)date.DayOfWeek;
            if (!Weekdays!.Contains(iso))
            {
                continue;
            }

            var local = date + time.ToTimeSpan();
            if (zone.IsInvalidTime(local))
            {
                continue;
            }

            var instant = ToInstant(local, zone);
            if (instant > after)
            {
                return instant;
            }
        }

        return null;
    }

    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone), TimeSpan.Zero);

    private static TimeOnly? ParseTime(string? text) =>
        text is not null && TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "HH:mm:ss", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;

    private static CrontabSchedule? ParseCron(string cron) =>
        CrontabSchedule.TryParse(cron, new CrontabSchedule.ParseOptions { IncludingSeconds = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });
}
