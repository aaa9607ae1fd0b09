using System.Globalization;

namespace ServerlessCommerce.Storage;

/// <summary>How the app proves who it is to the storage account.</summary>
public enum StorageCredentialKind
{
    /// <summary>The account key from a connection string (Azurite, or an Azure account string).</summary>
    SharedKey,

    /// <summary>A Microsoft Entra token (<c>DefaultAzureCredential</c>: the app's managed identity in Azure); no key anywhere.</summary>
    Identity,
}

/// <summary>
/// The one storage account the app uses (<c>AzureWebJobsStorage</c>) and how to reach it: the three service endpoints
/// and either the account key or an identity. The Functions host reads the same setting in the same two forms:
/// <list type="bullet">
/// <item>a connection string: <c>UseDevelopmentStorage=true</c> (Azurite on its default ports) or a full account
/// string, with or without explicit <c>BlobEndpoint</c>/<c>QueueEndpoint</c>/<c>TableEndpoint</c>;</item>
/// <item>an identity-based connection, with no key: <c>AzureWebJobsStorage__accountName</c>, or
/// <c>__blobServiceUri</c> + <c>__queueServiceUri</c> + <c>__tableServiceUri</c> (optionally <c>__clientId</c> for
/// a user-assigned managed identity).</item>
/// </list>
/// A connection string wins when both are set, as in the host.
/// </summary>
public sealed record StorageConnection
{
    public const string DevelopmentAccountName = "devstoreaccount1";

    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnection(string accountName, string? accountKey, Uri blobEndpoint, Uri queueEndpoint, Uri tableEndpoint, string? clientId)
    {
        AccountName = accountName;
        AccountKey = accountKey;
        BlobEndpoint = blobEndpoint;
        QueueEndpoint = queueEndpoint;
        TableEndpoint = tableEndpoint;
        ManagedIdentityClientId = clientId;
    }

    public string AccountName { get; }

    /// <summary>The base64 account key; null under an identity.</summary>
    public string? AccountKey { get; }

    public Uri BlobEndpoint { get; }

    public Uri QueueEndpoint { get; }

    public Uri TableEndpoint { get; }

    /// <summary>The client id of a user-assigned managed identity (<c>__clientId</c>); null for the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; }

    public StorageCredentialKind CredentialKind => AccountKey is null ? StorageCredentialKind.Identity : StorageCredentialKind.SharedKey;

    /// <summary>True for Azurite's well-known development account.</summary>
    public bool IsDevelopmentStorage => AccountName == DevelopmentAccountName && AccountKey == DevelopmentAccountKey;

    /// <summary>Azurite on 127.0.0.1 with the given ports (tests start their own on free ports).</summary>
    public static StorageConnection Development(int blobPort = 10000, int queuePort = 10001, int tablePort = 10002, string host = "127.0.0.1") =>
        new(DevelopmentAccountName, DevelopmentAccountKey,
            new Uri($"http://{host}:{blobPort}/{DevelopmentAccountName}"),
            new Uri($"http://{host}:{queuePort}/{DevelopmentAccountName}"),
            new Uri($"http://{host}:{tablePort}/{DevelopmentAccountName}"),
            clientId: null);

    /// <summary>The connection string that names this account with explicit endpoints (key-based connections only).</summary>
    public string ToConnectionString() =>
        AccountKey is null
            ? throw new InvalidOperationException("An identity-based storage connection has no connection string.")
            : $"DefaultEndpointsProtocol={BlobEndpoint.Scheme};AccountName={AccountName};AccountKey={AccountKey};" +
              $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>
    /// The connection from the value of <c>AzureWebJobsStorage</c> (a connection string) or, when that is empty, from
    /// its identity-based settings. Neither set means local development (Azurite).
    /// </summary>
    public static StorageConnection Resolve(string? connectionString, StorageIdentitySettings? identity) =>
        !string.IsNullOrWhiteSpace(connectionString) ? Parse(connectionString)
        : identity is { IsEmpty: false } ? FromIdentity(identity)
        : Development();

    /// <summary>An identity-based connection: endpoints from the account name, each overridable by its service URI.</summary>
    public static StorageConnection FromIdentity(StorageIdentitySettings identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var name = identity.AccountName;
        if (name is not null && !AccountNamePattern(name))
        {
            throw new FormatException($"AzureWebJobsStorage__accountName '{name}' is not a storage account name (3–24 lower-case letters and digits).");
        }

        Uri Endpoint(string? configured, string setting, string service)
        {
            if (configured is not null)
            {
                return Uri.TryCreate(configured.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
                    ? uri
                    : throw new FormatException($"AzureWebJobsStorage__{setting} must be an absolute https URL (a managed identity's token is only sent over HTTPS).");
            }

            return name is not null
                ? new Uri(string.Create(CultureInfo.InvariantCulture, $"https://{name}.{service}.core.windows.net"))
                : throw new FormatException($"AzureWebJobsStorage__{setting} is missing: set AzureWebJobsStorage__accountName, or all three of __blobServiceUri, __queueServiceUri and __tableServiceUri.");
        }

        var blob = Endpoint(identity.BlobServiceUri, "blobServiceUri", "blob");
        var queue = Endpoint(identity.QueueServiceUri, "queueServiceUri", "queue");
        var table = Endpoint(identity.TableServiceUri, "tableServiceUri", "table");

        // The account's name is the first label of its endpoints' host (needed to sign user delegation SAS).
        return new StorageConnection(name ?? blob.Host.Split('.')[0], accountKey: null, blob, queue, table, identity.ClientId);
    }

    public static StorageConnection Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FormatException("The storage connection string is empty. Set AzureWebJobsStorage.");
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"The storage connection string has a malformed part near '{segment[..Math.Min(segment.Length, 20)]}'.");
            }

            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var useDev) && useDev)
        {
            return parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy) ? Development(host: new Uri(proxy).Host) : Development();
        }

        if (!parts.TryGetValue("AccountName", out var name) || name.Length == 0)
        {
            throw new FormatException("The storage connection string has no AccountName.");
        }

        if (!parts.TryGetValue("AccountKey", out var key) || key.Length == 0)
        {
            throw new FormatException(
                "The storage connection string has no AccountKey. For a managed identity, leave AzureWebJobsStorage empty and set AzureWebJobsStorage__accountName instead.");
        }

        if (!IsBase64(key))
        {
            throw new FormatException("The storage connection string's AccountKey is not valid base64.");
        }

        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        Uri Endpoint(string setting, string service) =>
            parts.TryGetValue(setting, out var explicitEndpoint) && explicitEndpoint.Length > 0
                ? new Uri(explicitEndpoint.TrimEnd('/'))
                : new Uri(string.Create(CultureInfo.InvariantCulture, $"{protocol}://{name}.{service}.{suffix}"));

        return new(name, key, Endpoint("BlobEndpoint", "blob"), Endpoint("QueueEndpoint", "queue"), Endpoint("TableEndpoint", "table"), clientId: null);
    }

    /// <summary>Keeps the key out of logs and exception messages.</summary>
    public override string ToString() => $"StorageConnection {{ Account = {AccountName}, {CredentialKind}, Table = {TableEndpoint} }}";

    private static bool IsBase64(string text)
    {
        var buffer = new byte[(text.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static bool AccountNamePattern(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c));
}

/// <summary>
/// The identity-based form of <c>AzureWebJobsStorage</c>: <c>__accountName</c>, <c>__blobServiceUri</c>,
/// <c>__queueServiceUri</c>, <c>__tableServiceUri</c>, <c>__clientId</c> (each null when not set).
/// </summary>
public sealed record StorageIdentitySettings(
    string? AccountName = null,
    string? BlobServiceUri = null,
    string? QueueServiceUri = null,
    string? TableServiceUri = null,
    string? ClientId = null)
{
    /// <summary>The suffixes after <c>AzureWebJobsStorage__</c> that the app reads.</summary>
    public static readonly IReadOnlyList<string> SettingSuffixes = ["accountName", "blobServiceUri", "queueServiceUri", "tableServiceUri", "clientId"];

    public bool IsEmpty => AccountName is null && BlobServiceUri is null && QueueServiceUri is null && TableServiceUri is null;
}
