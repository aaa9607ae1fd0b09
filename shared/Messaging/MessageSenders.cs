using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Messaging;

/// <summary>A text for one phone: <see cref="Kind"/> <c>verification</c> carries a one-time <see cref="Code"/>.</summary>
public sealed record OutgoingMessage(string ChainId, string Phone, string Kind, string Text, string? Code, DateTimeOffset At);

/// <summary>Delivers texts to phones (SMS, WeChat): chosen by the setting <c>MessageSender</c>.</summary>
public interface IMessageSender
{
    Task SendAsync(OutgoingMessage message, CancellationToken ct);
}

/// <summary>
/// Local development only (development storage): the "sent" texts are kept in the Members table of the chain, the
/// latest per phone, so the pages and tests of any process can read them through <c>GET /api/dev/messages</c>.
/// </summary>
public sealed class LocalMessageSender(ITableStore tables, ILogger<LocalMessageSender> logger) : IMessageSender
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);

    public async Task SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        await tables.UpsertAsync(ChainTables.Members, new TableEntity(message.ChainId, RowOf(message.Phone))
        {
            ["Kind"] = "dev-message",
            ["MessageKind"] = message.Kind,
            ["Phone"] = message.Phone,
            ["Text"] = message.Text,
            ["Code"] = message.Code,
            ["At"] = message.At,
        }, cancellationToken: ct);
        logger.LogInformation("Local fake message ({Kind}) to {Phone} in chain {ChainId}", message.Kind, Phones.Mask(message.Phone), message.ChainId);
    }

    /// <summary>The latest text to the phone, if within <see cref="Retention"/>.</summary>
    public async Task<OutgoingMessage?> LatestAsync(string chainId, string phone, DateTimeOffset now, CancellationToken ct)
    {
        var row = await tables.GetAsync(ChainTables.Members, chainId, RowOf(phone), cancellationToken: ct);
        var at = row?.GetDateTimeOffset("At");
        return row is null || at is null || now - at > Retention
            ? null
            : new OutgoingMessage(chainId, phone, row.GetString("MessageKind") ?? "verification", row.GetString("Text") ?? string.Empty, row.GetString("Code"), at.Value);
    }

    private static string RowOf(string phone) => "devmsg_" + ChainTables.PhoneRow(phone);
}

/// <summary>
/// POSTs each text as JSON to <c>MessageWebhookUrl</c> (a chain's bridge to its SMS or WeChat gateway), signed:
/// <c>X-Signature: sha256=&lt;hex HMAC-SHA256 of the body with MessageWebhookSecret&gt;</c>. The body carries its time,
/// so a bridge can refuse replays.
/// </summary>
public sealed class WebhookMessageSender(HttpClient http, Uri url, byte[] secret, ILogger<WebhookMessageSender> logger) : IMessageSender
{
    public const string SignatureHeader = "X-Signature";

    public async Task SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { message.ChainId, message.Phone, message.Kind, message.Text, message.Code, message.At }, JsonSerializerOptions.Web);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeader, Sign(secret, body));
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogError("Message webhook answered {Status} for a {Kind} text to {Phone}", (int)response.StatusCode, message.Kind, Phones.Mask(message.Phone));
            throw new HttpRequestException($"The message webhook answered {(int)response.StatusCode}.");
        }
    }

    public static string Sign(byte[] secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    public static string Sign(string secret, byte[] body) => Sign(Encoding.UTF8.GetBytes(secret), body);
}
