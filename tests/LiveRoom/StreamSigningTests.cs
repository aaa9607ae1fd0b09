using System.Security.Cryptography;
using System.Text;
using ServerlessCommerce.Common;
using ServerlessCommerce.Streaming;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>Tencent Cloud CSS push and playback signing (txSecret/txTime), stream names, and how keys are sealed for storage.</summary>
public sealed class StreamSigningTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 30, 0, TimeSpan.Zero);

    private static string Md5Hex(string text) =>
#pragma warning disable CA5351 // the provider's documented signature
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    [Fact]
    public void TxTimeIsTheExpiryInUpperCaseHexAsTheDocsExampleSays()
    {
        // Tencent Cloud's example: 5867D600 is 2017-01-01 00:00:00 in Beijing (UTC+8).
        Assert.Equal("5867D600", StreamSigning.TxTime(new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.FromHours(8))));
        var txTime = StreamSigning.TxTime(Now);
        Assert.Equal(Now.ToUnixTimeSeconds(), Convert.ToInt64(txTime, 16));
        Assert.Equal(txTime.ToUpperInvariant(), txTime);
        Assert.Matches("^[0-9A-F]+$", txTime);
        Assert.Contains(txTime, c => c is >= 'A' and <= 'F'); // 6B06C6B8: it has letters, so upper case is tested
    }

    [Fact]
    public void TxSecretIsTheLowerCaseMd5OfKeyStreamNameAndTxTime()
    {
        const string key = "e12c46f2612d5106e2034781ab261ca3";
        var secret = StreamSigning.TxSecret(key, "sc_test", "5867D600");
        Assert.Equal(Md5Hex(key + "sc_test" + "5867D600"), secret);
        Assert.Matches("^[0-9a-f]{32}$", secret);
        Assert.NotEqual(secret, StreamSigning.TxSecret(key, "sc_test", "5867D601"));
    }

    [Fact]
    public void StreamNamesAreStableSafeAndAtMost64Characters()
    {
        var campaignId = "c0123456789a-cabcdefghjkmn";
        Assert.Equal("sc_" + campaignId, StreamSigning.StreamName(campaignId));
        Assert.Equal(StreamSigning.StreamName(campaignId), StreamSigning.StreamName(campaignId));
        Assert.Equal("sc_a_b_c_d", StreamSigning.StreamName("a/b?c&d"));
        Assert.Equal("sc_______", StreamSigning.StreamName("直播 间?#"));
        var longName = StreamSigning.StreamName(new string('x', 100));
        Assert.Equal(64, longName.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", longName);
    }

    [Fact]
    public void TheTencentPushUrlSplitsIntoObsServerAndStreamKeyAndVerifies()
    {
        var provider = StreamProvider.Validate(new StreamProviderDraft("tencent-css", "Push.Example.com", "play.example.com", null, "pushsecret123", "playsecret456", ValidHours: 24), null);
        var push = provider.Push("c0123456789a-cabcdefghjkmn", Now);
        const string name = "sc_c0123456789a-cabcdefghjkmn";
        var expires = Now.AddHours(24);
        var txTime = expires.ToUnixTimeSeconds().ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("rtmp://push.example.com/live/", push.Server);
        Assert.Equal($"{name}?txSecret={Md5Hex("pushsecret123" + name + txTime)}&txTime={txTime}", push.StreamKey);
        Assert.Equal(push.Server + push.StreamKey, push.PushUrl);
        Assert.Equal(expires, push.ExpiresAt);

        // Playback: HLS on the play domain, signed with the play key, valid validHours after the live ends (one URL all live long).
        var liveEnd = Now.AddHours(2);
        var playTime = liveEnd.AddHours(24).ToUnixTimeSeconds().ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        var playback = provider.Playback("c0123456789a-cabcdefghjkmn", liveEnd, Now);
        Assert.Equal($"https://play.example.com/live/{name}.m3u8?txSecret={Md5Hex("playsecret456" + name + playTime)}&txTime={playTime}", playback);
        Assert.Equal(playback, provider.Playback("c0123456789a-cabcdefghjkmn", liveEnd, Now.AddMinutes(90)));
        // Long after the live, a playback URL still has at least an hour to run.
        var late = provider.Playback("c0123456789a-cabcdefghjkmn", liveEnd, Now.AddDays(3))!;
        var lateTime = Convert.ToInt64(late[(late.LastIndexOf('=') + 1)..], 16);
        Assert.True(lateTime >= Now.AddDays(3).AddHours(24).ToUnixTimeSeconds());
    }

    [Fact]
    public void WithoutKeysTheUrlsAreUnsignedAndTheAppNameIsKept()
    {
        var provider = StreamProvider.Validate(new StreamProviderDraft("tencent-css", "push.example.com", null, "shop_1"), null);
        var push = provider.Push("c0123456789a-cabcdefghjkmn", Now);
        Assert.Equal("rtmp://push.example.com/shop_1/", push.Server);
        Assert.Equal("sc_c0123456789a-cabcdefghjkmn", push.StreamKey);
        Assert.Null(push.ExpiresAt);
        Assert.Null(provider.Playback("c0123456789a-cabcdefghjkmn", Now, Now)); // no play domain
    }

    [Fact]
    public void TemplatesFillPlaceholdersAndSignWhenAsked()
    {
        var provider = StreamProvider.Validate(new StreamProviderDraft("templates", PushKey: "k1",
            PushUrlTemplate: "rtmps://live.example.net:443/app/{streamName}?sign={txSecret}&t={txTime}",
            PlaybackUrlTemplate: "https://cdn.example.net/hls/{campaignId}/index.m3u8", ValidHours: 6), null);
        var push = provider.Push("c0123456789a-cabcdefghjkmn", Now);
        var txTime = Now.AddHours(6).ToUnixTimeSeconds().ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("rtmps://live.example.net:443/app/", push.Server);
        Assert.Equal($"sc_c0123456789a-cabcdefghjkmn?sign={Md5Hex("k1sc_c0123456789a-cabcdefghjkmn" + txTime)}&t={txTime}", push.StreamKey);
        Assert.Equal(Now.AddHours(6), push.ExpiresAt);
        Assert.Equal("https://cdn.example.net/hls/c0123456789a-cabcdefghjkmn/index.m3u8", provider.Playback("c0123456789a-cabcdefghjkmn", Now, Now));
    }

    [Theory]
    [InlineData("pushDomain", "rtmp://push.example.com")]
    [InlineData("pushDomain", "push.example.com:1935")]
    [InlineData("pushDomain", "push.example.com/live")]
    [InlineData("pushDomain", "localhost")]
    [InlineData("pushDomain", "push example.com")]
    [InlineData("pushDomain", "")]
    [InlineData("playDomain", "https://play.example.com")]
    [InlineData("appName", "live/app")]
    [InlineData("validHours", "0")]
    [InlineData("validHours", "73")]
    [InlineData("pushKey", "has space")]
    public void BadTencentSettingsAreRefusedNamingTheField(string field, string value)
    {
        var draft = new StreamProviderDraft("tencent-css", "push.example.com", "play.example.com");
        draft = field switch
        {
            "pushDomain" => draft with { PushDomain = value },
            "playDomain" => draft with { PlayDomain = value },
            "appName" => draft with { AppName = value },
            "validHours" => draft with { ValidHours = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            _ => draft with { PushKey = value },
        };
        var problem = Assert.Throws<AppProblem>(() => StreamProvider.Validate(draft, null));
        Assert.Equal("validation", problem.Code);
        Assert.True(problem.Errors!.ContainsKey(field), string.Join(", ", problem.Errors.Keys));
    }

    [Theory]
    [InlineData("http://push.example.com/live/{streamName}")] // not a push scheme
    [InlineData("rtmp://push.example.com/live/fixed")] // every campaign would share one stream
    [InlineData("rtmp://push.example.com/live/{streamName}/{secret}")] // unknown placeholder
    [InlineData("rtmp:///live/{streamName}")] // no host
    [InlineData("rtmp://push.example.com/live/{streamName}?s={txSecret}")] // signs without a key
    public void BadTemplatesAreRefused(string template)
    {
        var problem = Assert.Throws<AppProblem>(() => StreamProvider.Validate(new StreamProviderDraft("templates", PushUrlTemplate: template), null));
        Assert.True(problem.Errors!.ContainsKey("pushUrlTemplate"));
        Assert.Throws<AppProblem>(() => StreamProvider.Validate(new StreamProviderDraft("templates", PushUrlTemplate: "rtmp://p.example.com/{streamName}" + new string('x', 500)), null));
        Assert.Throws<AppProblem>(() => StreamProvider.Validate(new StreamProviderDraft("other"), null));
    }

    [Fact]
    public void AnAbsentKeyKeepsTheStoredOneAndAnEmptyOneRemovesIt()
    {
        var stored = StreamProvider.Validate(new StreamProviderDraft("tencent-css", "push.example.com", PushKey: "old-key", PlayKey: "play-key"), null);
        var kept = StreamProvider.Validate(new StreamProviderDraft("tencent-css", "push2.example.com"), stored);
        Assert.Equal(("old-key", "play-key"), (kept.PushKey, kept.PlayKey));
        var removed = StreamProvider.Validate(new StreamProviderDraft("tencent-css", "push2.example.com", PushKey: "", PlayKey: "new"), stored);
        Assert.Equal((null, "new"), (removed.PushKey, removed.PlayKey));
    }

    [Fact]
    public void SealedKeysOpenOnlyForTheirChainFieldAndSecret()
    {
        var protector = new StreamKeyProtector(Encoding.UTF8.GetBytes("test-token-signing-key-0123456789abcdef"));
        var sealedKey = protector.Seal("pushsecret123", "c0123456789a", "push");
        Assert.DoesNotContain("pushsecret123", sealedKey, StringComparison.Ordinal);
        Assert.NotEqual(sealedKey, protector.Seal("pushsecret123", "c0123456789a", "push")); // a fresh nonce each time
        Assert.Equal("pushsecret123", protector.Open(sealedKey, "c0123456789a", "push"));
        Assert.Null(protector.Open(sealedKey, "c0123456789b", "push"));
        Assert.Null(protector.Open(sealedKey, "c0123456789a", "play"));
        Assert.Null(new StreamKeyProtector(Encoding.UTF8.GetBytes("another-signing-key-0123456789abcdef")).Open(sealedKey, "c0123456789a", "push"));
        Assert.Null(protector.Open(sealedKey[..^2] + (sealedKey[^2] == 'A' ? "BB" : "AA"), "c0123456789a", "push"));
        Assert.Null(protector.Open("v1.!!", "c0123456789a", "push"));
    }
}
