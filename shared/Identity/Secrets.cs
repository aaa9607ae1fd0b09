using System.Security.Cryptography;
using System.Text;

namespace ServerlessCommerce.Identity;

/// <summary>
/// Keys handed to people (chain admin keys, leader keys). A key names its owner (<c>sca_{chainId}_…</c>,
/// <c>scl_{leaderId}_…</c>) so it can be checked with one read; only its SHA-256 is stored. Keys carry 190 bits of
/// randomness, so a fast hash is enough — there is nothing to brute-force.
/// </summary>
public static class Secrets
{
    public const string AdminPrefix = "sca_";
    public const string LeaderPrefix = "scl_";
    public const string MemberPrefix = "scm_";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewAdminKey(string chainId) => $"{AdminPrefix}{chainId}_{RandomPart()}";

    public static string NewLeaderKey(string leaderId) => $"{LeaderPrefix}{leaderId}_{RandomPart()}";

    /// <summary>The owner id a key names, or null if it is not shaped like one of ours.</summary>
    public static string? OwnerOf(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var last = key.LastIndexOf('_');
        return last > prefix.Length ? key[prefix.Length..last] : null;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Constant-time comparison of a presented secret with a stored hash.</summary>
    public static bool Matches(string presented, string? storedHash) =>
        storedHash is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(presented)), Encoding.ASCII.GetBytes(storedHash));

    private static string RandomPart()
    {
        Span<char> chars = stackalloc char[32];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Base62[RandomNumberGenerator.GetInt32(Base62.Length)];
        }

        return new string(chars);
    }
}
