using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.LiveRoom;

/// <summary>Which URL a REST call's token names as its audience.</summary>
public enum RestAudience
{
    /// <summary>The full request URL, <c>?api-version=…</c> included: what the official SDK sends and the service accepts.</summary>
    WithQuery,

    /// <summary>The request URL without its query, as the REST API docs describe it.</summary>
    WithoutQuery,
}

/// <summary>
/// Access tokens for Azure SignalR Service: JWTs (HS256, header <c>{"alg":"HS256","typ":"JWT"}</c>) signed with the
/// UTF-8 bytes of the connection string's AccessKey, with <c>aud</c>, <c>iat</c>, <c>nbf</c> and <c>exp</c>
/// (<see cref="Lifetime"/> by default) plus any extra string claims. Hand-written: two JSON objects and an HMAC.
/// </summary>
public sealed class AzureSignalRTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private static readonly string EncodedHeader = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    private readonly byte[] _key;
    private readonly TimeProvider _clock;

    public AzureSignalRTokens(string accessKey, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKey);
        _key = Encoding.UTF8.GetBytes(accessKey);
        _clock = clock;
    }

    /// <summary>
    /// The audience of a REST call to <paramref name="requestUrl"/>. The REST API docs say the URL without its query;
    /// the official SDK (Microsoft.Azure.SignalR.Management) signs it with <c>?api-version=…</c>, and that is what the
    /// service is known to accept, so <see cref="RestAudience.WithQuery"/> is what the transport uses.
    /// </summary>
    public static string AudienceFor(string requestUrl, RestAudience form = RestAudience.WithQuery)
    {
        var query = requestUrl.IndexOf('?', StringComparison.Ordinal);
        return form == RestAudience.WithoutQuery && query >= 0 ? requestUrl[..query] : requestUrl;
    }

    /// <summary>A token for a REST call to <paramref name="requestUrl"/> (method and body are not signed).</summary>
    public string ForRestCall(string requestUrl, RestAudience form = RestAudience.WithQuery) => Issue(AudienceFor(requestUrl, form));

    /// <summary>A signed token for <paramref name="audience"/>, valid from now for <paramref name="lifetime"/>.</summary>
    public string Issue(string audience, IEnumerable<KeyValuePair<string, string>>? claims = null, TimeSpan? lifetime = null)
    {
        var now = _clock.GetUtcNow();
        var payload = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("aud", audience);
            json.WriteNumber("iat", now.ToUnixTimeSeconds());
            json.WriteNumber("nbf", now.ToUnixTimeSeconds());
            json.WriteNumber("exp", now.Add(lifetime ?? Lifetime).ToUnixTimeSeconds());
            foreach (var (name, value) in claims ?? [])
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        var signingInput = EncodedHeader + "." + Base64Url.EncodeToString(payload.WrittenSpan);
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
