using System.Security.Cryptography;

namespace ServerlessCommerce.Common;

/// <summary>
/// Opaque ids. A chain id is <c>c</c> plus 11 random characters; every other id starts with the id of the chain it
/// belongs to (<c>{chainId}-{kind}{random}</c>), so any id leads straight to its chain's partition and a request can
/// be refused for the wrong chain before anything is read.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case
    private const int ChainIdLength = 12;
    private static readonly System.Buffers.SearchValues<char> IdChars = System.Buffers.SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyz");
    private static readonly System.Buffers.SearchValues<char> RandomChars = System.Buffers.SearchValues.Create(Alphabet);

    public static string NewChainId() => "c" + Random(ChainIdLength - 1);

    /// <summary>A new id in <paramref name="chainId"/>; <paramref name="kind"/> is a lower-case letter naming the kind.</summary>
    public static string New(string chainId, char kind, int length = 12) => $"{chainId}-{kind}{Random(length)}";

    /// <summary>The chain id a platform create with this idempotency key gets.</summary>
    public static string ChainIdFor(string idempotencyKey) => "c" + Idempotency.Derive("chain", idempotencyKey, ChainIdLength - 1);

    /// <summary>The id a create in <paramref name="chainId"/> with this idempotency key gets.</summary>
    public static string For(string chainId, char kind, string idempotencyKey) =>
        $"{chainId}-{kind}{Idempotency.Derive(chainId + "/" + kind, idempotencyKey, 12)}";

    /// <summary>Random characters from an unambiguous alphabet (no i, l, o, u).</summary>
    public static string Random(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    public static bool IsChainId(string? id) =>
        id is { Length: ChainIdLength } && id[0] == 'c' && !id.AsSpan(1).ContainsAnyExcept(RandomChars);

    /// <summary>The chain an id belongs to, or null when the id is not one of ours.</summary>
    public static string? ChainOf(string? id)
    {
        if (id is null || id.Length < ChainIdLength + 3 || id[ChainIdLength] != '-')
        {
            return null;
        }

        var chain = id[..ChainIdLength];
        var rest = id.AsSpan(ChainIdLength + 1);
        return IsChainId(chain) && rest.Length is >= 2 and <= 40 && !rest.ContainsAnyExcept(IdChars) ? chain : null;
    }

    /// <summary>True when <paramref name="id"/> is an id of <paramref name="kind"/> (e.g. 's' for stores).</summary>
    public static bool IsKind(string? id, char kind) => ChainOf(id) is not null && id![ChainIdLength + 1] == kind;
}
