using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.Identity;

/// <summary>What a member token says: whose it is, which issue of it, and until when.</summary>
public sealed record MemberTokenClaims(string ChainId, string MemberId, int Version, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Signed, expiring member tokens: <c>scm_{payload}.{HMAC-SHA256}</c>, base64url, keyed with the
/// <c>TokenSigningKey</c> setting, in its one canonical spelling. The version lets a leader re-issue a token, and a member
/// refresh one, and so revoke the old ones.
/// </summary>
public sealed class MemberTokens(byte[] signingKey, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    public string Issue(string chainId, string memberId, int version)
    {
        var now = clock.GetUtcNow();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(chainId, memberId, version, now.ToUnixTimeSeconds(), now.Add(Lifetime).ToUnixTimeSeconds()));
        var body = Base64Url(payload);
        return $"{Secrets.MemberPrefix}{body}.{Base64Url(Sign(body))}";
    }

    /// <summary>The claims of a well-signed, unexpired token; null otherwise.</summary>
    public MemberTokenClaims? Validate(string token)
    {
        if (!token.StartsWith(Secrets.MemberPrefix, StringComparison.Ordinal) || token.Length > 1024)
        {
            return null;
        }

        var dot = token.LastIndexOf('.');
        if (dot < 0)
        {
            return null;
        }

        var body = token[Secrets.MemberPrefix.Length..dot];
        var signatureText = token[(dot + 1)..];
        byte[] signature, payload;
        try
        {
            signature = FromBase64Url(signatureText);
            payload = FromBase64Url(body);
        }
        catch (FormatException)
        {
            return null;
        }

        // One spelling per token: padding, the standard alphabet, whitespace or other trailing bits would decode to the
        // same bytes, so a "different" token would pass as this one (and dodge a per-token cache or block list).
        if (!string.Equals(Base64Url(payload), body, StringComparison.Ordinal) || !string.Equals(Base64Url(signature), signatureText, StringComparison.Ordinal))
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(body)))
        {
            return null;
        }

        TokenPayload? claims;
        try
        {
            claims = JsonSerializer.Deserialize<TokenPayload>(payload);
        }
        catch (JsonException)
        {
            return null;
        }

        if (claims is null || claims.Exp <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return null;
        }

        return new MemberTokenClaims(claims.C, claims.M, claims.V, DateTimeOffset.FromUnixTimeSeconds(claims.Iat), DateTimeOffset.FromUnixTimeSeconds(claims.Exp));
    }

    private byte[] Sign(string body) => HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes(body));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var b64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }

    private sealed record TokenPayload(string C, string M, int V, long Iat, long Exp);
}
