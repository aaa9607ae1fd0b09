using System.Buffers;
using System.Text.RegularExpressions;

namespace ServerlessCommerce.Storage;

/// <summary>
/// The naming rules of tables, keys, containers, queues and blobs, checked before anything is sent. The SDKs send any
/// name and the service answers a bare 400 (or, for some, Azurite accepts what Azure refuses); these say what is wrong.
/// </summary>
public static partial class StorageNames
{
    /// <summary>The most a blob name may hold.</summary>
    public const int MaxBlobNameLength = 1024;

    private static readonly SearchValues<char> ForbiddenKeyChars = SearchValues.Create("/\\#?");

    /// <summary>3–63 letters or digits, starting with a letter.</summary>
    public static string Table(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return TableName().IsMatch(table)
            ? table
            : throw new ArgumentException($"'{Short(table)}' is not a valid table name (3–63 letters or digits, starting with a letter).", nameof(table));
    }

    /// <summary>No <c>/ \ # ?</c>, no control characters, at most 512 characters (1 KiB).</summary>
    public static void ValidateKey(string key, string name)
    {
        ArgumentNullException.ThrowIfNull(key, name);
        if (key.Length > 512 || key.AsSpan().IndexOfAny(ForbiddenKeyChars) >= 0 || key.Any(char.IsControl))
        {
            throw new ArgumentException($"{name} '{Short(key)}' is not a valid table key (no / \\ # ?, no control characters, ≤ 512 chars).", name);
        }
    }

    /// <summary>3–63 characters: lower-case letters, digits and single dashes, starting and ending with a letter or digit.</summary>
    public static string ContainerOrQueue(string name, string kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        return ContainerOrQueueName().IsMatch(name)
            ? name
            : throw new ArgumentException(
                $"'{Short(name)}' is not a valid {kind} name " +
                "(3–63 lower-case letters, digits and single dashes, starting and ending with a letter or digit).",
                paramName);
    }

    /// <summary>
    /// 1–1,024 characters; no empty, <c>.</c> or <c>..</c> segments and no trailing dot (URLs would rewrite those),
    /// no backslash (the service turns it into a slash), no control characters.
    /// </summary>
    public static string Blob(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxBlobNameLength
            || name.EndsWith('.')
            || name.Contains('\\', StringComparison.Ordinal)
            || name.Any(char.IsControl)
            || name.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException(
                $"'{Short(name)}' is not a valid blob name (1–{MaxBlobNameLength} characters; " +
                "no empty, '.' or '..' path segments, no trailing dot, no backslash or control characters).",
                nameof(name));
        }

        return name;
    }

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();

    [GeneratedRegex(@"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$")]
    private static partial Regex ContainerOrQueueName();
}
