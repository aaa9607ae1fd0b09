namespace ServerlessCommerce.Common;

/// <summary>Time zone helpers: times are UTC on the wire and shown in the chain's IANA zone.</summary>
public static class TimeZones
{
    public const string Default = "Asia/Shanghai";

    public static bool TryFind(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
