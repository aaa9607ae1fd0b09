using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Hosting;

/// <summary>
/// Every setting the app reads, from environment variables and the <c>Values</c> of <c>local.settings.json</c>.
/// <c>local.settings.sample.json</c> and the Bicep app settings list exactly these names.
/// </summary>
public sealed class AppSettings
{
    public const string SampleLocalPlatformKey = "local-platform-admin-key";
    public const string SampleLocalSigningKey = "local-token-signing-key-change-me-in-azure-0123456789";

    /// <summary>
    /// The names of every setting read, for the config contract test and the docs. <c>AzureWebJobsStorage</c> stands
    /// for its identity-based parts too (<c>AzureWebJobsStorage__accountName</c>, <see cref="StorageIdentitySettings.SettingSuffixes"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "AzureWebJobsStorage", "PlatformAdminKey", "TokenSigningKey", "AzureSignalRConnectionString",
        "EventGridTopicEndpoint", "EventGridTopicKey", "QueueMaxDequeueCount", "QueueVisibilityTimeoutSeconds",
        "QueueMaxPollingIntervalMilliseconds", "PublicBaseUrl", "DurableTaskHubName", "DurableTaskPartitionCount",
        "MemberVerification", "MessageSender", "MessageWebhookUrl", "MessageWebhookSecret",
    ];

    /// <summary>
    /// The storage connection string (Azurite locally). Null when the identity-based form is used instead: then
    /// <see cref="AzureWebJobsStorageIdentity"/> holds <c>AzureWebJobsStorage__accountName</c> or the
    /// <c>__*ServiceUri</c> settings, the same names the Functions host reads (they are parts of this one setting).
    /// </summary>
    public string? AzureWebJobsStorage { get; init; } = "UseDevelopmentStorage=true";

    public StorageIdentitySettings? AzureWebJobsStorageIdentity { get; init; }

    public string? PlatformAdminKey { get; init; }

    public string? TokenSigningKey { get; init; }

    public string? AzureSignalRConnectionString { get; init; }

    public string? EventGridTopicEndpoint { get; init; }

    public string? EventGridTopicKey { get; init; }

    /// <summary>Deliveries before a queue message moves to <c>&lt;queue&gt;-poison</c> (host.json says the same to the host).</summary>
    public int QueueMaxDequeueCount { get; init; } = 5;

    public int QueueVisibilityTimeoutSeconds { get; init; } = 60;

    /// <summary>How long a waitlist (候补) claim holds its units for the member (5..3600 s, default 600). Optional, so not in <see cref="Names"/>.</summary>
    public int WaitlistClaimSeconds { get; init; } = 600;

    public int QueueMaxPollingIntervalMilliseconds { get; init; } = 2000;

    /// <summary>The public URL people reach the app at (printed links, SAS-upload CORS origin). Optional.</summary>
    public string? PublicBaseUrl { get; init; }

    /// <summary>
    /// Origins (scheme://host[:port], comma-separated) of a chain's own front end that may call the API from a
    /// browser. Empty (the default): no CORS headers, so browsers refuse cross-origin calls. Off by default, so not
    /// in <see cref="Names"/> (which the Bicep must set).
    /// </summary>
    public IReadOnlyList<string> CorsAllowedOrigins { get; init; } = [];

    /// <summary>
    /// <c>MemberVerification</c>: joining needs a one-time code sent to the phone (on by default; <c>off</c> in the local
    /// sample, where one call joins and a known phone is 409 <c>member-exists</c>). Like the settings below it has a
    /// strict default; the Bicep sets it with the sender settings (the limits below keep their defaults there).
    /// </summary>
    public bool MemberVerification { get; init; } = true;

    /// <summary>
    /// <c>MessageSender</c>: how one-time codes reach phones. <c>local</c> (the default on development storage) keeps them
    /// in storage for <c>GET /api/dev/messages</c>; <c>webhook</c> POSTs them, signed, to <see cref="MessageWebhookUrl"/>
    /// (a chain's bridge to its SMS or WeChat gateway). Null outside development unless set.
    /// </summary>
    public string? MessageSender { get; init; }

    /// <summary><see cref="MessageSender"/>, or <c>local</c> when unset on development storage.</summary>
    public string? EffectiveMessageSender
    {
        get
        {
            try
            {
                return MessageSender ?? (Storage.IsDevelopmentStorage ? "local" : null);
            }
            catch (FormatException)
            {
                return MessageSender;
            }
        }
    }

    public string? MessageWebhookUrl { get; init; }

    /// <summary>HMAC-SHA256 key of the webhook's <c>X-Signature</c> header (at least 32 characters).</summary>
    public string? MessageWebhookSecret { get; init; }

    /// <summary>
    /// <c>OutreachSenders</c>: how member notifications (previews, reminders, 成团 results, pickup reminders, the survey)
    /// are delivered, a comma-separated list tried in order per member: <c>wechat</c> (subscribe messages, members with a
    /// linked openid), <c>tencent-sms</c>, <c>local</c> (development storage only: kept for <c>GET /api/dev/outreach</c>),
    /// or <c>off</c>. Unset: <c>local</c> on development storage, <c>off</c> elsewhere. Optional, so not in <see cref="Names"/>.
    /// </summary>
    public IReadOnlyList<string> OutreachSenders { get; init; } = [];

    /// <summary><see cref="OutreachSenders"/>, or <c>local</c> when unset on development storage.</summary>
    public IReadOnlyList<string> EffectiveOutreachSenders
    {
        get
        {
            if (OutreachSenders.Count > 0)
            {
                return OutreachSenders.Contains("off") ? [] : OutreachSenders;
            }

            try
            {
                return Storage.IsDevelopmentStorage ? ["local"] : [];
            }
            catch (FormatException)
            {
                return [];
            }
        }
    }

    /// <summary><c>OutreachQuietHours</c>: the default daily quiet window, <c>HH:mm-HH:mm</c> in the chain's time zone (21:30-08:00).</summary>
    public string OutreachQuietHours { get; init; } = "21:30-08:00";

    public string? TencentSmsSecretId { get; init; }

    /// <summary>The Tencent Cloud API secret key (signs every request; never logged).</summary>
    public string? TencentSmsSecretKey { get; init; }

    public string? TencentSmsSdkAppId { get; init; }

    public string? TencentSmsSignName { get; init; }

    /// <summary>The approved SMS template with one parameter, the notification's text.</summary>
    public string? TencentSmsTemplateId { get; init; }

    public string TencentSmsRegion { get; init; } = "ap-guangzhou";

    public string TencentSmsEndpoint { get; init; } = "https://sms.tencentcloudapi.com/";

    public string? WeChatAppId { get; init; }

    /// <summary>The WeChat app secret (fetches access tokens; never logged).</summary>
    public string? WeChatAppSecret { get; init; }

    /// <summary>The subscribe-message template, with fields <c>thing1</c> (what) and <c>thing2</c> (the text).</summary>
    public string? WeChatTemplateId { get; init; }

    public string? WeChatPage { get; init; }

    public string WeChatApiBase { get; init; } = "https://api.weixin.qq.com/";

    /// <summary>Joins a minute per client address, per instance (a WAF or Front Door is the global layer).</summary>
    public int RateLimitJoinsPerMinute { get; init; } = 10;

    /// <summary>Verification-code requests a minute per client address, per instance.</summary>
    public int RateLimitVerificationsPerMinute { get; init; } = 10;

    /// <summary>Live-room negotiations a minute per client address, per instance.</summary>
    public int RateLimitNegotiationsPerMinute { get; init; } = 60;

    /// <summary>One-time codes sent to one phone (per chain) an hour, across instances (kept in storage).</summary>
    public int VerificationCodesPerPhonePerHour { get; init; } = 5;

    /// <summary>The storage account and how to reach it; throws <see cref="FormatException"/> when the settings are wrong.</summary>
    public StorageConnection Storage => StorageConnection.Resolve(AzureWebJobsStorage, AzureWebJobsStorageIdentity);

    public bool IsLocalDevelopment => Storage.IsDevelopmentStorage;

    public static AppSettings From(IConfiguration configuration)
    {
        int Int(string name, int fallback, int min, int max) =>
            int.TryParse(configuration[name], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
                ? Math.Clamp(v, min, max)
                : fallback;

        string? Text(string name) => string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name]!.Trim();

        // Environment variables spell a part "AzureWebJobsStorage__accountName" (configuration turns it into
        // "AzureWebJobsStorage:accountName"); local.settings.json keeps the "__" spelling as it is.
        string? Part(string suffix) => Text($"AzureWebJobsStorage:{suffix}") ?? Text($"AzureWebJobsStorage__{suffix}");
        var identity = new StorageIdentitySettings(Part("accountName"), Part("blobServiceUri"), Part("queueServiceUri"), Part("tableServiceUri"), Part("clientId"));
        var connectionString = Text("AzureWebJobsStorage");

        return new AppSettings
        {
            AzureWebJobsStorage = connectionString ?? (identity.IsEmpty ? "UseDevelopmentStorage=true" : null),
            AzureWebJobsStorageIdentity = identity.IsEmpty ? null : identity,
            PlatformAdminKey = Text("PlatformAdminKey"),
            TokenSigningKey = Text("TokenSigningKey"),
            AzureSignalRConnectionString = Text("AzureSignalRConnectionString"),
            EventGridTopicEndpoint = Text("EventGridTopicEndpoint"),
            EventGridTopicKey = Text("EventGridTopicKey"),
            QueueMaxDequeueCount = Int("QueueMaxDequeueCount", 5, 1, 100),
            QueueVisibilityTimeoutSeconds = Int("QueueVisibilityTimeoutSeconds", 60, 5, 3600),
            QueueMaxPollingIntervalMilliseconds = Int("QueueMaxPollingIntervalMilliseconds", 2000, 50, 60_000),
            PublicBaseUrl = Text("PublicBaseUrl"),
            CorsAllowedOrigins = (Text("CorsAllowedOrigins") ?? string.Empty)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(o => o.TrimEnd('/')).ToArray(),
            MemberVerification = Text("MemberVerification")?.ToLowerInvariant() is not ("off" or "false" or "0" or "no"),
            MessageSender = Text("MessageSender")?.ToLowerInvariant(),
            MessageWebhookUrl = Text("MessageWebhookUrl"),
            MessageWebhookSecret = Text("MessageWebhookSecret"),
            OutreachSenders = (Text("OutreachSenders") ?? string.Empty).ToLowerInvariant()
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray(),
            OutreachQuietHours = Text("OutreachQuietHours") ?? "21:30-08:00",
            TencentSmsSecretId = Text("TencentSmsSecretId"),
            TencentSmsSecretKey = Text("TencentSmsSecretKey"),
            TencentSmsSdkAppId = Text("TencentSmsSdkAppId"),
            TencentSmsSignName = Text("TencentSmsSignName"),
            TencentSmsTemplateId = Text("TencentSmsTemplateId"),
            TencentSmsRegion = Text("TencentSmsRegion") ?? "ap-guangzhou",
            TencentSmsEndpoint = Text("TencentSmsEndpoint") ?? "https://sms.tencentcloudapi.com/",
            WeChatAppId = Text("WeChatAppId"),
            WeChatAppSecret = Text("WeChatAppSecret"),
            WeChatTemplateId = Text("WeChatTemplateId"),
            WeChatPage = Text("WeChatPage"),
            WeChatApiBase = Text("WeChatApiBase") ?? "https://api.weixin.qq.com/",
            RateLimitJoinsPerMinute = Int("RateLimitJoinsPerMinute", 10, 1, 1_000_000),
            RateLimitVerificationsPerMinute = Int("RateLimitVerificationsPerMinute", 10, 1, 1_000_000),
            RateLimitNegotiationsPerMinute = Int("RateLimitNegotiationsPerMinute", 60, 1, 1_000_000),
            VerificationCodesPerPhonePerHour = Int("VerificationCodesPerPhonePerHour", 5, 1, 1000),
            WaitlistClaimSeconds = Int("WaitlistClaimSeconds", 600, 5, 3600),
        };
    }

    /// <summary>
    /// What is wrong with these settings, as sentences for the operator. Outside local development (storage that is
    /// not Azurite) real secrets are required; locally, missing ones fall back to the sample's values.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        StorageConnection storage;
        try
        {
            storage = Storage;
        }
        catch (FormatException ex)
        {
            problems.Add($"AzureWebJobsStorage: {ex.Message}");
            return problems;
        }

        if (!storage.IsDevelopmentStorage)
        {
            if (PlatformAdminKey is null || PlatformAdminKey.Length < 24 || PlatformAdminKey == SampleLocalPlatformKey)
            {
                problems.Add("PlatformAdminKey must be set to a random secret of at least 24 characters outside local development.");
            }

            if (TokenSigningKey is null || TokenSigningKey.Length < 32 || TokenSigningKey == SampleLocalSigningKey)
            {
                problems.Add("TokenSigningKey must be set to a random secret of at least 32 characters outside local development.");
            }
        }

        if (AzureSignalRConnectionString is not null)
        {
            try
            {
                LiveRoom.AzureSignalRConnection.Parse(AzureSignalRConnectionString);
            }
            catch (FormatException ex)
            {
                problems.Add($"AzureSignalRConnectionString: {ex.Message}");
            }
        }

        if (PublicBaseUrl is not null && !(Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme is "http" or "https"))
        {
            problems.Add("PublicBaseUrl must be an absolute http(s) URL, e.g. https://shop.example.com (browsers upload review photos from its origin).");
        }

        var sender = EffectiveMessageSender;
        if (sender is not (null or "local" or "webhook"))
        {
            problems.Add("MessageSender must be 'local' (development storage only) or 'webhook'.");
        }
        else if (sender == "local" && !storage.IsDevelopmentStorage)
        {
            problems.Add("MessageSender 'local' keeps codes in storage for the pages to show: it is for local development only. Set MessageSender=webhook outside it.");
        }
        else if (sender is null && MemberVerification)
        {
            problems.Add("MemberVerification is on but no MessageSender is set: set MessageSender=webhook with MessageWebhookUrl and MessageWebhookSecret (or MemberVerification=off).");
        }

        if (sender == "webhook")
        {
            if (MessageWebhookUrl is null || !(Uri.TryCreate(MessageWebhookUrl, UriKind.Absolute, out var hook) && (hook.Scheme == "https" || (hook.Scheme == "http" && hook.IsLoopback))))
            {
                problems.Add("MessageWebhookUrl must be an absolute https URL (http only to a loopback address) when MessageSender=webhook.");
            }

            if (MessageWebhookSecret is null || MessageWebhookSecret.Length < 32)
            {
                problems.Add("MessageWebhookSecret must be a random secret of at least 32 characters when MessageSender=webhook.");
            }
        }

        problems.AddRange(OutreachProblems(storage.IsDevelopmentStorage));

        if ((EventGridTopicEndpoint is null) != (EventGridTopicKey is null))
        {
            problems.Add("EventGridTopicEndpoint and EventGridTopicKey must be set together (or neither).");
        }

        if (EventGridTopicEndpoint is not null && !Uri.TryCreate(EventGridTopicEndpoint, UriKind.Absolute, out _))
        {
            problems.Add("EventGridTopicEndpoint must be an absolute https URL.");
        }

        return problems;
    }

    private List<string> OutreachProblems(bool developmentStorage)
    {
        var problems = new List<string>();
        foreach (var sender in OutreachSenders.Where(s => s is not ("local" or "tencent-sms" or "wechat" or "off")))
        {
            problems.Add($"OutreachSenders: '{sender}' is not one of wechat, tencent-sms, local, off.");
        }

        if (OutreachSenders.Contains("local") && !developmentStorage)
        {
            problems.Add("OutreachSenders 'local' keeps messages in storage for the dev page: it is for local development only.");
        }

        if (ServerlessCommerce.Outreach.QuietHours.TryParse(OutreachQuietHours) is null)
        {
            problems.Add("OutreachQuietHours must be HH:mm-HH:mm, e.g. 21:30-08:00 (equal ends: no quiet hours).");
        }

        static bool IsHttpsOrLoopback(string url) =>
            Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == "https" || (u.Scheme == "http" && u.IsLoopback));

        if (OutreachSenders.Contains("tencent-sms"))
        {
            if (TencentSmsSecretId is null || TencentSmsSecretKey is null || TencentSmsSdkAppId is null || TencentSmsSignName is null || TencentSmsTemplateId is null)
            {
                problems.Add("OutreachSenders has tencent-sms: set TencentSmsSecretId, TencentSmsSecretKey, TencentSmsSdkAppId, TencentSmsSignName and TencentSmsTemplateId.");
            }

            if (!IsHttpsOrLoopback(TencentSmsEndpoint))
            {
                problems.Add("TencentSmsEndpoint must be an absolute https URL (http only to a loopback address).");
            }
        }

        if (OutreachSenders.Contains("wechat"))
        {
            if (WeChatAppId is null || WeChatAppSecret is null || WeChatTemplateId is null)
            {
                problems.Add("OutreachSenders has wechat: set WeChatAppId, WeChatAppSecret and WeChatTemplateId.");
            }

            if (!IsHttpsOrLoopback(WeChatApiBase))
            {
                problems.Add("WeChatApiBase must be an absolute https URL (http only to a loopback address).");
            }
        }

        return problems;
    }

    public string EffectivePlatformAdminKey => PlatformAdminKey ?? SampleLocalPlatformKey;

    public byte[] EffectiveTokenSigningKey => System.Text.Encoding.UTF8.GetBytes(TokenSigningKey ?? SampleLocalSigningKey);
}
