using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Outreach;

/// <summary>One notification on its way to one member: her phone (SMS) and, when linked, her WeChat openid.</summary>
public sealed record MemberMessage(string ChainId, string CampaignId, string DeliveryId, string MemberId, string Kind, string Text, string Phone, string? WeChatOpenId, DateTimeOffset At);

/// <summary>A provider's refusal. <see cref="Permanent"/>: trying again cannot help (a bad number, no subscription).</summary>
public sealed class OutreachSendException(string message, bool permanent) : Exception(message)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>
/// Delivers member notifications (previews, reminders, 成团 results, pickup reminders, the survey) on one channel.
/// Chosen by the setting <c>OutreachSenders</c>. Throws <see cref="OutreachSendException"/> when the provider refuses.
/// </summary>
public interface IMemberMessageSender
{
    /// <summary><c>sms</c> or <c>wechat</c>: the member preference that allows this sender.</summary>
    string Channel { get; }

    /// <summary>Whether this sender can reach the member at all (WeChat needs her openid).</summary>
    bool CanReach(MemberMessage message);

    /// <summary>Sends; answers the provider's id of the message (for the delivery row), if it gives one.</summary>
    Task<string?> SendAsync(MemberMessage message, CancellationToken ct);
}

/// <summary>
/// Local development only: "sends" by writing the message to the Outreach table, so <c>GET /api/dev/outreach</c> can
/// list what went out. Every call writes a new row: a second send of one delivery would show as two.
/// </summary>
public sealed class LocalMemberMessageSender(ITableStore tables, ILogger<LocalMemberMessageSender> logger) : IMemberMessageSender
{
    public const int MaxListed = 200;

    public string Channel => OutreachPreferences.Sms;

    public bool CanReach(MemberMessage message) => true;

    public async Task<string?> SendAsync(MemberMessage message, CancellationToken ct)
    {
        var row = OutreachTables.SentRow(message.At);
        await tables.InsertAsync(OutreachTables.Outreach, new TableEntity(message.ChainId, row)
        {
            ["CampaignId"] = message.CampaignId,
            ["DeliveryId"] = message.DeliveryId,
            ["MemberId"] = message.MemberId,
            ["Phone"] = message.Phone,
            ["Kind"] = message.Kind,
            ["Text"] = message.Text,
            ["At"] = message.At,
        }, ct);
        logger.LogInformation("Local fake outreach ({Kind}) to {Phone} in chain {ChainId}", message.Kind, Phones.Mask(message.Phone), message.ChainId);
        return row;
    }

    public sealed record SentMessage(string CampaignId, string DeliveryId, string MemberId, string Phone, string Kind, string Text, DateTimeOffset At);

    /// <summary>The newest fake sends of the chain (at most <see cref="MaxListed"/>).</summary>
    public async Task<IReadOnlyList<SentMessage>> ListAsync(string chainId, CancellationToken ct)
    {
        var page = await tables.QueryPageAsync(OutreachTables.Outreach, new TableQuery(
            TableFilter.And(TableFilter.Equal("PartitionKey", chainId), TableFilter.RowKeyStartsWith(OutreachTables.SentPrefix)), Top: MaxListed), cancellationToken: ct);
        return page.Entities.Select(e => new SentMessage(e.GetString("CampaignId") ?? string.Empty, e.GetString("DeliveryId") ?? string.Empty, e.GetString("MemberId") ?? string.Empty,
            e.GetString("Phone") ?? string.Empty, e.GetString("Kind") ?? string.Empty, e.GetString("Text") ?? string.Empty, e.GetDateTimeOffset("At") ?? default)).ToList();
    }
}

/// <summary>Tencent Cloud SMS (API 3.0, <c>SendSms</c> version 2021-01-11), signed with TC3-HMAC-SHA256.</summary>
public sealed record TencentSmsOptions(string SecretId, string SecretKey, string SdkAppId, string SignName, string TemplateId, string Region, Uri Endpoint);

/// <summary>
/// Sends through Tencent Cloud SMS: <c>POST /</c> with <c>X-TC-Action: SendSms</c>, <c>X-TC-Version: 2021-01-11</c>,
/// a JSON body <c>{PhoneNumberSet: ["+86…"], SmsSdkAppId, SignName, TemplateId, TemplateParamSet: [text], SessionContext}</c>
/// and <c>Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=content-type;host, Signature=…</c>. The template
/// has one parameter, the notification's text. An answer with <c>Response.Error</c> or a send status other than
/// <c>Ok</c> is a failure; rate limits and internal errors are worth another try, the rest are not.
/// </summary>
public sealed class TencentSmsSender(HttpClient http, TencentSmsOptions options, TimeProvider clock, ILogger<TencentSmsSender> logger) : IMemberMessageSender
{
    public const string Service = "sms";
    public const string Action = "SendSms";
    public const string Version = "2021-01-11";
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>SMS templates cap parameters; longer texts are cut (the live room holds the whole notification).</summary>
    public const int MaxParamLength = 60;

    public string Channel => OutreachPreferences.Sms;

    public bool CanReach(MemberMessage message) => Phones.Normalize(message.Phone) is not null;

    public async Task<string?> SendAsync(MemberMessage message, CancellationToken ct)
    {
        var text = message.Text.Length > MaxParamLength ? message.Text[..MaxParamLength] : message.Text;
        var body = JsonSerializer.Serialize(new JsonObject
        {
            ["PhoneNumberSet"] = new JsonArray("+86" + Phones.Normalize(message.Phone)),
            ["SmsSdkAppId"] = options.SdkAppId,
            ["SignName"] = options.SignName,
            ["TemplateId"] = options.TemplateId,
            ["TemplateParamSet"] = new JsonArray(text),
            ["SessionContext"] = message.DeliveryId,
        });
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Endpoint) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Headers.Add("X-TC-Action", Action);
        request.Headers.Add("X-TC-Version", Version);
        request.Headers.Add("X-TC-Region", options.Region);
        request.Headers.Add("X-TC-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization", Authorization(options.SecretId, options.SecretKey, HostOf(options.Endpoint), body, timestamp));

        using var response = await http.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Tencent SMS answered {Status} for a {Kind} text to {Phone}", (int)response.StatusCode, message.Kind, Phones.Mask(message.Phone));
            throw new OutreachSendException($"Tencent SMS answered {(int)response.StatusCode}.", permanent: false);
        }

        using var json = JsonDocument.Parse(answer);
        var root = json.RootElement.GetProperty("Response");
        if (root.TryGetProperty("Error", out var error))
        {
            var code = error.TryGetProperty("Code", out var c) ? c.GetString() ?? string.Empty : string.Empty;
            logger.LogWarning("Tencent SMS refused a {Kind} text to {Phone}: {Code}", message.Kind, Phones.Mask(message.Phone), code);
            throw new OutreachSendException($"Tencent SMS refused: {code}.", permanent: !IsTransient(code));
        }

        var status = root.GetProperty("SendStatusSet")[0];
        var statusCode = status.GetProperty("Code").GetString();
        if (!string.Equals(statusCode, "Ok", StringComparison.Ordinal))
        {
            logger.LogWarning("Tencent SMS did not send a {Kind} text to {Phone}: {Code}", message.Kind, Phones.Mask(message.Phone), statusCode);
            throw new OutreachSendException($"Tencent SMS did not send: {statusCode}.", permanent: !IsTransient(statusCode ?? string.Empty));
        }

        return status.TryGetProperty("SerialNo", out var serial) ? serial.GetString() : null;
    }

    private static bool IsTransient(string code) =>
        code.StartsWith("InternalError", StringComparison.Ordinal) || code.StartsWith("LimitExceeded", StringComparison.Ordinal)
        || code.StartsWith("RequestLimitExceeded", StringComparison.Ordinal) || code is "FailedOperation.InsufficientBalanceInSmsPackage" or "AuthFailure.SignatureExpire";

    private static string HostOf(Uri endpoint) => endpoint.IsDefaultPort ? endpoint.Host : endpoint.Authority;

    /// <summary>The TC3-HMAC-SHA256 <c>Authorization</c> header of a JSON POST to <c>/</c> (Tencent Cloud "Signature v3").</summary>
    public static string Authorization(string secretId, string secretKey, string host, string body, long timestamp)
    {
        var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        const string signedHeaders = "content-type;host";
        var canonicalRequest = $"POST\n/\n\ncontent-type:{ContentType}\nhost:{host}\n\n{signedHeaders}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}";
        var scope = $"{date}/{Service}/tc3_request";
        var stringToSign = $"TC3-HMAC-SHA256\n{timestamp.ToString(CultureInfo.InvariantCulture)}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var secretDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes("TC3" + secretKey), Encoding.UTF8.GetBytes(date));
        var secretService = HMACSHA256.HashData(secretDate, Encoding.UTF8.GetBytes(Service));
        var secretSigning = HMACSHA256.HashData(secretService, Encoding.UTF8.GetBytes("tc3_request"));
        var signature = Hex(HMACSHA256.HashData(secretSigning, Encoding.UTF8.GetBytes(stringToSign)));
        return $"TC3-HMAC-SHA256 Credential={secretId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>WeChat subscribe messages (订阅消息) of a mini program or official account.</summary>
public sealed record WeChatOptions(string AppId, string AppSecret, string TemplateId, string? Page, Uri ApiBase);

/// <summary>
/// Sends a WeChat subscribe message: <c>POST {ApiBase}/cgi-bin/message/subscribe/send?access_token=…</c> with
/// <c>{touser: openid, template_id, page?, lang: "zh_CN", data: {thing1: {value: kind words}, thing2: {value: text}}}</c>.
/// The access token comes from <c>GET /cgi-bin/token?grant_type=client_credential&amp;appid=…&amp;secret=…</c>, kept
/// until shortly before <c>expires_in</c>; an answer 40001/42001 (token expired or revoked) fetches a new one once.
/// <c>errcode</c> 43101 (the member did not subscribe) and other refusals are final; -1 (system busy) is worth another try.
/// </summary>
public sealed class WeChatSubscribeSender(HttpClient http, WeChatOptions options, TimeProvider clock, ILogger<WeChatSubscribeSender> logger) : IMemberMessageSender
{
    /// <summary>WeChat's <c>thing</c> fields hold at most 20 characters.</summary>
    public const int MaxThingLength = 20;

    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private string? _token;
    private DateTimeOffset _tokenUntil;

    public string Channel => OutreachPreferences.WeChat;

    public bool CanReach(MemberMessage message) => !string.IsNullOrEmpty(message.WeChatOpenId);

    public async Task<string?> SendAsync(MemberMessage message, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var token = await TokenAsync(renew: attempt > 1, ct);
            var body = new JsonObject
            {
                ["touser"] = message.WeChatOpenId,
                ["template_id"] = options.TemplateId,
                ["lang"] = "zh_CN",
                ["data"] = new JsonObject
                {
                    ["thing1"] = new JsonObject { ["value"] = Cut(KindWords(message.Kind)) },
                    ["thing2"] = new JsonObject { ["value"] = Cut(message.Text) },
                },
            };
            if (!string.IsNullOrEmpty(options.Page))
            {
                body["page"] = options.Page;
            }

            using var response = await http.PostAsync(new Uri(options.ApiBase, "cgi-bin/message/subscribe/send?access_token=" + Uri.EscapeDataString(token)),
                new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new OutreachSendException($"WeChat answered {(int)response.StatusCode}.", permanent: false);
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var code = json.RootElement.TryGetProperty("errcode", out var e) ? e.GetInt32() : 0;
            if (code == 0)
            {
                return json.RootElement.TryGetProperty("msgid", out var id) ? id.ToString() : null;
            }

            if (code is 40001 or 42001 or 40014 && attempt == 1)
            {
                continue; // the token expired or was replaced elsewhere: once more with a new one
            }

            logger.LogWarning("WeChat refused a {Kind} subscribe message to member {MemberId}: errcode {Code}", message.Kind, message.MemberId, code);
            throw new OutreachSendException($"WeChat refused: errcode {code}.", permanent: code != -1);
        }
    }

    private async Task<string> TokenAsync(bool renew, CancellationToken ct)
    {
        await _tokenLock.WaitAsync(ct);
        try
        {
            if (!renew && _token is not null && clock.GetUtcNow() < _tokenUntil)
            {
                return _token;
            }

            var url = new Uri(options.ApiBase, $"cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(options.AppId)}&secret={Uri.EscapeDataString(options.AppSecret)}");
            using var response = await http.GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new OutreachSendException($"WeChat token endpoint answered {(int)response.StatusCode}.", permanent: false);
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (!json.RootElement.TryGetProperty("access_token", out var token) || token.GetString() is not { Length: > 0 } value)
            {
                var code = json.RootElement.TryGetProperty("errcode", out var e) ? e.GetInt32() : 0;
                logger.LogError("WeChat gave no access token: errcode {Code}", code); // never the secret or the URL
                throw new OutreachSendException($"WeChat gave no access token (errcode {code}).", permanent: false);
            }

            var seconds = json.RootElement.TryGetProperty("expires_in", out var exp) && exp.TryGetInt32(out var s) ? s : 7200;
            _token = value;
            _tokenUntil = clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(60, seconds - 300));
            return value;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private static string Cut(string text) => text.Length > MaxThingLength ? text[..(MaxThingLength - 1)] + "…" : text;

    public static string KindWords(string kind) => kind switch
    {
        "preview" => "开团预告",
        "live-reminder" => "直播提醒",
        "result" => "成团结果",
        "pickup-reminder" => "提货提醒",
        "survey" => "回访邀请",
        _ => "团购消息",
    };
}
