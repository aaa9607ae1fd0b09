using System.Globalization;

namespace ServerlessCommerce.Outreach;

/// <summary>
/// A daily window (local time of the chain) in which no member message goes out: one due inside waits for its end,
/// it is never dropped. <c>21:30–08:00</c> crosses midnight; equal ends mean no quiet hours.
/// </summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End)
{
    public static readonly QuietHours Default = new(new TimeOnly(21, 30), new TimeOnly(8, 0));

    public bool IsNone => Start == End;

    public string StartText => Start.ToString("HH:mm", CultureInfo.InvariantCulture);

    public string EndText => End.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary><c>HH:mm-HH:mm</c> (also with an en dash), or null when it is not one.</summary>
    public static QuietHours? TryParse(string? text)
    {
        var parts = (text ?? string.Empty).Replace('–', '-').Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && TryParseTime(parts[0], out var start) && TryParseTime(parts[1], out var end) ? new QuietHours(start, end) : null;
    }

    public static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    public bool Contains(TimeOnly local) =>
        !IsNone && (Start < End ? local >= Start && local < End : local >= Start || local < End);

    /// <summary>When a message due at <paramref name="at"/> may go: <paramref name="at"/> itself, or the window's end.</summary>
    public DateTimeOffset Release(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        if (!Contains(time))
        {
            return at;
        }

        var endDate = local.Date;
        if (time >= End)
        {
            endDate = endDate.AddDays(1); // inside a window that crosses midnight, before it: it ends tomorrow
        }

        var endLocal = endDate + End.ToTimeSpan();
        var release = new DateTimeOffset(endLocal, zone.GetUtcOffset(endLocal));
        return release > at ? release : at;
    }
}
