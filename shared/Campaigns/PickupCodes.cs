using System.Security.Cryptography;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Pickup codes (提货码): 8 random digits, easy to read out at a counter and to type, drawn from a cryptographic
/// generator. Uniqueness within a campaign is enforced by storage (an index row per code, inserted with the order).
/// </summary>
public static class PickupCodes
{
    public static string New() => RandomNumberGenerator.GetInt32(10_000_000, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool LooksValid(string? code) => code is { Length: 8 } && code.All(char.IsAsciiDigit);
}
