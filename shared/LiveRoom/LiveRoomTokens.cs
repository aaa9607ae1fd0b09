using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.LiveRoom;

/// <summary>Who a live-room token lets watch which campaign, until when.</summary>
public sealed record LiveRoomTicket(string CampaignId, string UserId, DateTimeOffset ExpiresAt);

/// <summary>
/// Tokens for the embedded hub (the negotiate answer's accessToken): <c>lrt_{payload}.{HMAC-SHA256}</c>, keyed with the
/// <c>TokenSigningKey</c> (domain-separated from member tokens), valid a few hours.
/// </summary>
public sealed class LiveRoomTokens(byte[] signingKey, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(6);
    private const string Prefix = "lrt_";
    private readonly byte[] _key = HMACSHA256.HashData(signingKey, "live-room-tokens"u8.ToArray());

    public string Issue(string campaignId, string userId)
    {
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Payload(campaignId, userId, clock.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds())));
        return $"{Prefix}{body}.{Base64Url(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(body)))}";
    }

    public LiveRoomTicket? Validate(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 2048)
        {
            return null;
        }

        var dot = token.LastIndexOf('.');
        if (dot < Prefix.Length)
        {
            return null;
        }

        var body = token[Prefix.Length..dot];
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(FromBase64Url(token[(dot + 1)..]), HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(body))))
            {
                return null;
            }

            var p = JsonSerializer.Deserialize<Payload>(FromBase64Url(body));
            return p is null || p.Exp <= clock.GetUtcNow().ToUnixTimeSeconds() ? null : new LiveRoomTicket(p.C, p.U, DateTimeOffset.FromUnixTimeSeconds(p.Exp));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var b64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }

    private sealed record Payload(string C, string U, long Exp);
}
