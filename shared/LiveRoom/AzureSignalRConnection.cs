using System.Globalization;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// The Azure SignalR Service an <c>AzureSignalRConnectionString</c> points at:
/// <c>Endpoint=https://&lt;name&gt;.service.signalr.net;AccessKey=&lt;key&gt;;Version=1.0;</c> with an optional
/// <c>Port=</c>. Keys are case-insensitive and a trailing <c>;</c> is fine; <c>http://</c> endpoints are accepted for
/// local stand-ins. The access key never appears in <see cref="ToString"/> or in a parse error.
/// </summary>
/// <remarks>
/// <c>Port=</c> replaces the endpoint's port for everything: REST calls, their token audiences and the client URL
/// (audience = the URL actually requested). Old SDKs left the port out of the audience; the emulator-style
/// <c>Endpoint=http://localhost;Port=8888</c> is the only known use.
/// </remarks>
public sealed class AzureSignalRConnection
{
    private AzureSignalRConnection(Uri endpoint, string accessKey)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        BaseUrl = endpoint.AbsoluteUri.TrimEnd('/');
    }

    /// <summary>The service endpoint, with <c>Port=</c> applied when given.</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key as written in the connection string; tokens are signed with its UTF-8 bytes.</summary>
    public string AccessKey { get; }

    /// <summary>The endpoint without a trailing slash, as URLs and token audiences are built from it.</summary>
    public string BaseUrl { get; }

    public static AzureSignalRConnection Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FormatException("The Azure SignalR connection string is empty. Set AzureSignalRConnectionString.");
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var position = 0;
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            position++;
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                // Not quoted: a malformed part may be the key itself.
                throw new FormatException($"The Azure SignalR connection string's part {position} is not 'Name=value'.");
            }

            var name = segment[..eq].Trim();
            if (!parts.TryAdd(name, segment[(eq + 1)..].Trim()))
            {
                throw new FormatException($"The Azure SignalR connection string sets '{name}' twice.");
            }
        }

        if (!parts.TryGetValue("Endpoint", out var endpointText) || endpointText.Length == 0)
        {
            throw new FormatException("The Azure SignalR connection string has no Endpoint (https://<name>.service.signalr.net).");
        }

        if (!Uri.TryCreate(endpointText.TrimEnd('/'), UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
            || endpoint.Query.Length > 0 || endpoint.UserInfo.Length > 0)
        {
            throw new FormatException($"The Azure SignalR connection string's Endpoint '{endpointText}' is not an http(s) URL without query.");
        }

        if (!parts.TryGetValue("AccessKey", out var accessKey) || accessKey.Length == 0)
        {
            throw new FormatException("The Azure SignalR connection string has no AccessKey (identity-based auth is not supported here).");
        }

        if (parts.TryGetValue("Version", out var version) && !version.StartsWith("1.", StringComparison.Ordinal) && version != "1")
        {
            throw new FormatException($"The Azure SignalR connection string's Version '{version}' is not supported (1.x is).");
        }

        if (parts.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"The Azure SignalR connection string's Port '{portText}' is not a port number (1-65535).");
            }

            endpoint = new UriBuilder(endpoint) { Port = port }.Uri;
        }

        return new AzureSignalRConnection(endpoint, accessKey);
    }

    /// <summary>Keeps the key out of logs and exception messages.</summary>
    public override string ToString() => $"AzureSignalRConnection {{ Endpoint = {BaseUrl} }}";
}
