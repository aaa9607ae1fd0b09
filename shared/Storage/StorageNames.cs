using System.Text.RegularExpressions;

namespace ServerlessCommerce.Storage;

/// <summary>The naming rules Blob containers and queues share, checked before anything is sent.</summary>
internal static partial class StorageNames
{
    /// <summary>
    /// 3–63 characters: lower-case letters, digits and single dashes, starting and ending with a letter or digit.
    /// </summary>
    public static void ValidateContainerOrQueueName(string name, string kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!ContainerOrQueueName().IsMatch(name))
        {
            throw new ArgumentException(
                $"'{(name.Length > 70 ? name[..70] + "…" : name)}' is not a valid {kind} name " +
                "(3–63 lower-case letters, digits and single dashes, starting and ending with a letter or digit).",
                paramName);
        }
    }

    [GeneratedRegex(@"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$")]
    private static partial Regex ContainerOrQueueName();
}
