using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessCommerce.Streaming;

/// <summary>
/// Tencent Cloud CSS (云直播) hotlink protection ("Hotlink Protection URL Calculation",
/// https://www.tencentcloud.com/document/product/267/31560, and "Splicing Push URLs", …/267/32480):
/// <code>rtmp://domain/AppName/StreamName?txSecret=Md5(key+StreamName+hex(time))&amp;txTime=hex(time)</code>
/// where <c>txTime</c> is the URL's expiry as a Unix timestamp in hexadecimal ("5867D600 means that the URL will expire
/// at 00:00:00 AM on Jan. 1, 2017", Beijing time, …/267/7977; we write it in upper case as that example does) and
/// <c>txSecret</c> the lower-case hex MD5 of the key, the stream name and that same <c>txTime</c> text, concatenated.
/// Playback URLs are signed the same way with the playback key. MD5 is the provider's choice, not ours: the key never
/// leaves the server and the signature only proves the URL was made by whoever holds it.
/// </summary>
public static class StreamSigning
{
    public const int MaxStreamNameLength = 64;

    /// <summary>
    /// The campaign's stream name, the same every time: <c>sc_</c> + the campaign id, every character outside
    /// <c>[A-Za-z0-9_-]</c> replaced by <c>_</c>, at most <see cref="MaxStreamNameLength"/> characters.
    /// </summary>
    public static string StreamName(string campaignId)
    {
        var raw = "sc_" + campaignId;
        var chars = raw.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray();
        return new string(chars, 0, Math.Min(chars.Length, MaxStreamNameLength));
    }

    /// <summary><c>txTime</c>: the expiry in whole Unix seconds, hexadecimal, upper case (e.g. <c>5867D600</c>).</summary>
    public static string TxTime(DateTimeOffset expiresAt) =>
        expiresAt.ToUnixTimeSeconds().ToString("X", CultureInfo.InvariantCulture);

    /// <summary><c>txSecret</c> = lower-case hex MD5 of <paramref name="key"/> + <paramref name="streamName"/> + <paramref name="txTime"/> (UTF-8).</summary>
    public static string TxSecret(string key, string streamName, string txTime) =>
#pragma warning disable CA5351 // MD5 is what Tencent Cloud CSS verifies; this is its signature format, not our own hashing choice
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(key + streamName + txTime)));
#pragma warning restore CA5351

    /// <summary>The query <c>txSecret=…&amp;txTime=…</c> for a stream name, key and expiry.</summary>
    public static string Query(string key, string streamName, DateTimeOffset expiresAt)
    {
        var txTime = TxTime(expiresAt);
        return $"txSecret={TxSecret(key, streamName, txTime)}&txTime={txTime}";
    }
}
