using System.Globalization;

namespace ServerlessCommerce.Storage;

/// <summary>
/// The storage account an <c>AzureWebJobsStorage</c> connection string points at: its name, key and the three
/// service endpoints. Understands <c>UseDevelopmentStorage=true</c> (Azurite on its default ports) and full account
/// strings, with or without explicit <c>BlobEndpoint</c>/<c>QueueEndpoint</c>/<c>TableEndpoint</c>.
/// </summary>
public sealed record StorageAccount(string Name, byte[] Key, Uri BlobEndpoint, Uri QueueEndpoint, Uri TableEndpoint)
{
    public const string DevelopmentAccountName = "devstoreaccount1";

    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>True when the endpoints are Azurite's path-style ones (account name in the path).</summary>
    public bool IsPathStyle => TableEndpoint.AbsolutePath.Trim('/').Length > 0;

    /// <summary>True for Azurite's well-known development account.</summary>
    public bool IsDevelopmentStorage => Name == DevelopmentAccountName;

    /// <summary>Azurite on 127.0.0.1 with the given ports (tests start their own on free ports).</summary>
    public static StorageAccount Development(int blobPort = 10000, int queuePort = 10001, int tablePort = 10002) =>
        new(DevelopmentAccountName,
            Convert.FromBase64String(DevelopmentAccountKey),
            new Uri($"http://127.0.0.1:{blobPort}/{DevelopmentAccountName}"),
            new Uri($"http://127.0.0.1:{queuePort}/{DevelopmentAccountName}"),
            new Uri($"http://127.0.0.1:{tablePort}/{DevelopmentAccountName}"));

    /// <summary>The connection string that names this account with explicit endpoints.</summary>
    public string ToConnectionString() =>
        $"DefaultEndpointsProtocol={BlobEndpoint.Scheme};AccountName={Name};AccountKey={Convert.ToBase64String(Key)};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    public static StorageAccount Parse(string connectionString)
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
            if (parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy))
            {
                var host = new Uri(proxy).Host;
                return new(DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey),
                    new Uri($"http://{host}:10000/{DevelopmentAccountName}"),
                    new Uri($"http://{host}:10001/{DevelopmentAccountName}"),
                    new Uri($"http://{host}:10002/{DevelopmentAccountName}"));
            }

            return Development();
        }

        if (!parts.TryGetValue("AccountName", out var name) || name.Length == 0)
        {
            throw new FormatException("The storage connection string has no AccountName.");
        }

        if (!parts.TryGetValue("AccountKey", out var keyText) || keyText.Length == 0)
        {
            throw new FormatException("The storage connection string has no AccountKey (shared key authorisation is required).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(keyText);
        }
        catch (FormatException)
        {
            throw new FormatException("The storage connection string's AccountKey is not valid base64.");
        }

        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        Uri Endpoint(string setting, string service) =>
            parts.TryGetValue(setting, out var explicitEndpoint) && explicitEndpoint.Length > 0
                ? new Uri(explicitEndpoint.TrimEnd('/'))
                : new Uri(string.Create(CultureInfo.InvariantCulture, $"{protocol}://{name}.{service}.{suffix}"));

        return new(name, key, Endpoint("BlobEndpoint", "blob"), Endpoint("QueueEndpoint", "queue"), Endpoint("TableEndpoint", "table"));
    }

    /// <summary>Keeps the key out of logs and exception messages.</summary>
    public override string ToString() => $"StorageAccount {{ Name = {Name}, Table = {TableEndpoint} }}";
}
