using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.Common;

/// <summary>
/// Client-chosen <c>Idempotency-Key</c>s: a retried create with the same key and body finds what the first attempt
/// made (even when that answer was lost) instead of making it twice; the same key with another body is a 409.
/// Ids of things created under a key are derived from it, so the "did it happen?" check is the insert itself.
/// </summary>
public static class Idempotency
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxKeyLength = 100;

    /// <summary>The key as sent, or null when absent; a 400 when it is not 1–100 printable ASCII characters.</summary>
    public static string? Normalize(string? key)
    {
        if (key is null)
        {
            return null;
        }

        var trimmed = key.Trim();
        if (trimmed.Length is 0 or > MaxKeyLength || trimmed.Any(c => c is < '!' or > '~'))
        {
            throw AppProblem.Validation(HeaderName, $"{HeaderName} must be 1–{MaxKeyLength} printable ASCII characters without spaces (a UUID is ideal).");
        }

        return trimmed;
    }

    /// <summary>A stable hash of what was asked, to tell a retry from a different request under the same key.</summary>
    public static string Fingerprint<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, JsonSerializerOptions.Web)))[..32];

    /// <summary>Random-looking id characters derived from the scope and key.</summary>
    public static string Derive(string scope, string key, int length)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + key));
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[hash[i] % 32];
        }

        return new string(chars);
    }

    public static AppProblem Conflict() => AppProblem.Conflict(ProblemCodes.IdempotencyConflict, "Idempotency-Key reused",
        $"This {HeaderName} was already used for a different request. Use a new key for a new request.");
}
