using System.Text.RegularExpressions;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Streaming;

/// <summary>What an admin sends to set the chain's live-stream provider (every field optional but <see cref="Kind"/>).</summary>
/// <param name="PushKey">Absent: keep the stored key; empty: remove it; else the new key.</param>
/// <param name="PlayKey">As <paramref name="PushKey"/>, for playback URLs.</param>
public sealed record StreamProviderDraft(
    string? Kind, string? PushDomain = null, string? PlayDomain = null, string? AppName = null, string? PushKey = null, string? PlayKey = null,
    string? PushUrlTemplate = null, string? PlaybackUrlTemplate = null, int? ValidHours = null);

/// <summary>
/// A chain's live-stream provider: where the leader pushes (OBS or a phone app) and where members play, per campaign.
/// <c>tencent-css</c>: Tencent Cloud CSS domains, app name and hotlink keys (<see cref="StreamSigning"/>);
/// <c>templates</c>: any provider, as URL templates with <c>{streamName}</c>, <c>{campaignId}</c> and, when a key
/// signs them, <c>{txSecret}</c>/<c>{txTime}</c> (the same MD5 scheme). Keys are held here in clear only in memory.
/// </summary>
public sealed partial record StreamProvider(
    string Kind, string? PushDomain, string? PlayDomain, string AppName, string? PushUrlTemplate, string? PlaybackUrlTemplate, int ValidHours,
    string? PushKey, string? PlayKey)
{
    public const string TencentCss = "tencent-css";
    public const string Templates = "templates";
    public const int DefaultValidHours = 24;
    public const int MaxValidHours = 72;
    public const int MaxTemplateLength = 500;
    public const int MaxKeyLength = 128;
    public const int MaxDomainLength = 253;
    public const string DefaultAppName = "live";

    private static readonly string[] PushSchemes = ["rtmp", "rtmps", "srt", "webrtc", "https"];
    private static readonly string[] Placeholders = ["{streamName}", "{campaignId}", "{txSecret}", "{txTime}"];

    /// <summary>
    /// The draft checked and merged with the stored provider (whose keys an absent key field keeps); 400 naming every
    /// wrong field. Domains are host names only (no scheme, port or path); templates absolute URLs with known placeholders.
    /// </summary>
    public static StreamProvider Validate(StreamProviderDraft draft, StreamProvider? stored)
    {
        var v = new Validator();
        var kind = draft.Kind?.Trim();
        if (kind is not (TencentCss or Templates))
        {
            v.Add("kind", $"kind must be \"{TencentCss}\" or \"{Templates}\".");
        }

        var validHours = draft.ValidHours ?? DefaultValidHours;
        if (validHours is < 1 or > MaxValidHours)
        {
            v.Add("validHours", $"validHours must be between 1 and {MaxValidHours}.");
        }

        var pushKey = Key(v, "pushKey", draft.PushKey, stored?.PushKey);
        var playKey = Key(v, "playKey", draft.PlayKey, stored?.PlayKey);
        string? pushDomain = null, playDomain = null, pushTemplate = null, playTemplate = null;
        var appName = DefaultAppName;
        if (kind == TencentCss)
        {
            pushDomain = Domain(v, "pushDomain", draft.PushDomain, required: true);
            playDomain = Domain(v, "playDomain", draft.PlayDomain, required: false);
            if (!string.IsNullOrWhiteSpace(draft.AppName))
            {
                appName = draft.AppName.Trim();
                if (!AppNamePattern().IsMatch(appName))
                {
                    v.Add("appName", "appName must be 1–32 letters, digits, '_' or '-' (Tencent Cloud's default is \"live\").");
                }
            }

            NotFor(v, "pushUrlTemplate", draft.PushUrlTemplate, kind);
            NotFor(v, "playbackUrlTemplate", draft.PlaybackUrlTemplate, kind);
        }
        else if (kind == Templates)
        {
            pushTemplate = Template(v, "pushUrlTemplate", draft.PushUrlTemplate, PushSchemes, required: true, pushKey);
            playTemplate = Template(v, "playbackUrlTemplate", draft.PlaybackUrlTemplate, ["https"], required: false, playKey);
            NotFor(v, "pushDomain", draft.PushDomain, kind);
            NotFor(v, "playDomain", draft.PlayDomain, kind);
            NotFor(v, "appName", draft.AppName, kind);
        }

        v.ThrowIfInvalid();
        return new StreamProvider(kind!, pushDomain, playDomain, appName, pushTemplate, playTemplate, validHours, pushKey, playKey);
    }

    private static void NotFor(Validator v, string field, string? value, string kind)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            v.Add(field, $"{field} is not used by kind \"{kind}\": leave it out.");
        }
    }

    private static string? Key(Validator v, string field, string? sent, string? stored)
    {
        if (sent is null)
        {
            return stored;
        }

        var key = sent.Trim();
        if (key.Length == 0)
        {
            return null; // "" removes the key
        }

        if (key.Length > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            v.Add(field, $"{field} must be at most {MaxKeyLength} printable ASCII characters without spaces.");
        }

        return key;
    }

    private static string? Domain(Validator v, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                v.Add(field, $"{field} is required: the host name of the domain, e.g. push.example.com.");
            }

            return null;
        }

        var domain = value.Trim().ToLowerInvariant();
        if (domain.Length > MaxDomainLength || !HostPattern().IsMatch(domain))
        {
            v.Add(field, $"{field} must be a host name only (e.g. push.example.com): no scheme, port, path or spaces, at most {MaxDomainLength} characters.");
            return null;
        }

        return domain;
    }

    private static string? Template(Validator v, string field, string? value, string[] schemes, bool required, string? key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                v.Add(field, $"{field} is required for kind \"{Templates}\", e.g. rtmp://push.example.com/live/{{streamName}}.");
            }

            return null;
        }

        var template = value.Trim();
        var schemeList = string.Join(", ", schemes.Select(s => s + "://"));
        if (template.Length > MaxTemplateLength)
        {
            v.Add(field, $"{field} must be at most {MaxTemplateLength} characters.");
            return null;
        }

        var unknown = PlaceholderPattern().Matches(template).Select(m => m.Value).FirstOrDefault(p => !Placeholders.Contains(p, StringComparer.Ordinal));
        if (unknown is not null)
        {
            v.Add(field, $"{field} has an unknown placeholder {unknown[..Math.Min(unknown.Length, 40)]}: use {string.Join(", ", Placeholders)}.");
            return null;
        }

        if (!template.Contains("{streamName}", StringComparison.Ordinal) && !template.Contains("{campaignId}", StringComparison.Ordinal))
        {
            v.Add(field, $"{field} must contain {{streamName}} or {{campaignId}}, so each campaign gets its own stream.");
            return null;
        }

        var sample = Fill(template, "sc_sample", "sample", "0123456789abcdef0123456789abcdef", "5867D600");
        if (!Uri.TryCreate(sample, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme) || string.IsNullOrEmpty(uri.Host) || sample.Any(char.IsWhiteSpace))
        {
            v.Add(field, $"{field} must be an absolute URL starting with {schemeList}, with a host and no spaces.");
            return null;
        }

        if (key is null && (template.Contains("{txSecret}", StringComparison.Ordinal) || template.Contains("{txTime}", StringComparison.Ordinal)))
        {
            v.Add(field, $"{field} uses {{txSecret}}/{{txTime}}: set the key that signs it ({(field.StartsWith("push", StringComparison.Ordinal) ? "pushKey" : "playKey")}).");
        }

        return template;
    }

    private static string Fill(string template, string streamName, string campaignId, string txSecret, string txTime) =>
        template.Replace("{streamName}", streamName, StringComparison.Ordinal).Replace("{campaignId}", campaignId, StringComparison.Ordinal)
            .Replace("{txSecret}", txSecret, StringComparison.Ordinal).Replace("{txTime}", txTime, StringComparison.Ordinal);

    /// <summary>Where the leader pushes: OBS's server and stream key, the full URL (phone apps), and when it stops working.</summary>
    public PushTarget Push(string campaignId, DateTimeOffset now)
    {
        var streamName = StreamSigning.StreamName(campaignId);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(now.AddHours(ValidHours).ToUnixTimeSeconds());
        if (Kind == TencentCss)
        {
            var server = $"rtmp://{PushDomain}/{AppName}/";
            var streamKey = PushKey is null ? streamName : $"{streamName}?{StreamSigning.Query(PushKey, streamName, expiresAt)}";
            return new PushTarget(server, streamKey, server + streamKey, PushKey is null ? null : expiresAt);
        }

        var signed = PushKey is not null && PushUrlTemplate!.Contains("{txSecret}", StringComparison.Ordinal);
        var url = FillSigned(PushUrlTemplate!, streamName, campaignId, PushKey, expiresAt);
        var (serverPart, keyPart) = SplitForObs(url);
        return new PushTarget(serverPart, keyPart, url, signed ? expiresAt : null);
    }

    /// <summary>
    /// The HLS URL members play, or null when the provider has none. A signed URL expires <see cref="ValidHours"/> after
    /// the live's end, so it stays the same URL all through the live (the player does not restart on each read); once
    /// that is less than an hour away, it moves to <see cref="ValidHours"/> after the next whole hour.
    /// </summary>
    public string? Playback(string campaignId, DateTimeOffset liveEndAt, DateTimeOffset now)
    {
        var streamName = StreamSigning.StreamName(campaignId);
        var expiresAt = liveEndAt.AddHours(ValidHours);
        if (expiresAt < now.AddHours(1))
        {
            var nextHour = DateTimeOffset.FromUnixTimeSeconds((now.ToUnixTimeSeconds() / 3600 + 1) * 3600);
            expiresAt = nextHour.AddHours(ValidHours);
        }

        expiresAt = DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds());
        if (Kind == TencentCss)
        {
            if (PlayDomain is null)
            {
                return null;
            }

            var url = $"https://{PlayDomain}/{AppName}/{streamName}.m3u8";
            return PlayKey is null ? url : $"{url}?{StreamSigning.Query(PlayKey, streamName, expiresAt)}";
        }

        return PlaybackUrlTemplate is null ? null : FillSigned(PlaybackUrlTemplate, streamName, campaignId, PlayKey, expiresAt);
    }

    private static string FillSigned(string template, string streamName, string campaignId, string? key, DateTimeOffset expiresAt)
    {
        var txTime = StreamSigning.TxTime(expiresAt);
        var txSecret = key is null ? string.Empty : StreamSigning.TxSecret(key, streamName, txTime);
        return Fill(template, Uri.EscapeDataString(streamName), Uri.EscapeDataString(campaignId), txSecret, txTime);
    }

    /// <summary>OBS wants a server and a stream key: the URL up to its path's last '/', and the rest.</summary>
    private static (string Server, string StreamKey) SplitForObs(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? url : url[..query];
        var slash = path.LastIndexOf('/');
        var afterAuthority = path.IndexOf("//", StringComparison.Ordinal) + 2;
        return slash <= afterAuthority ? (url, string.Empty) : (url[..(slash + 1)], url[(slash + 1)..]);
    }

    [GeneratedRegex("^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex AppNamePattern();

    [GeneratedRegex("\\{[^{}]*\\}")]
    private static partial Regex PlaceholderPattern();
}

/// <summary>The push target of one campaign: OBS's server and stream key, the whole URL, and its expiry (null when unsigned).</summary>
public sealed record PushTarget(string Server, string StreamKey, string PushUrl, DateTimeOffset? ExpiresAt);
