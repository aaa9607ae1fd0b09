using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Tests.Identity;

public sealed class IdentityTests
{
    private static readonly byte[] Key = "unit-test-signing-key-0123456789abcdef"u8.ToArray();

    [Fact]
    public void AMemberTokenIsValidForNinetyDaysAndThenExpires()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var tokens = new MemberTokens(Key, clock);
        var token = tokens.Issue("cabcdefghjkm", "cabcdefghjkm-m123", 3);

        var claims = tokens.Validate(token);
        Assert.NotNull(claims);
        Assert.Equal("cabcdefghjkm-m123", claims.MemberId);
        Assert.Equal(3, claims.Version);

        clock.Advance(TimeSpan.FromDays(89));
        Assert.NotNull(tokens.Validate(token));
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Null(tokens.Validate(token));
    }

    [Fact]
    public void ATamperedOrForeignTokenIsRefused()
    {
        var tokens = new MemberTokens(Key, TimeProvider.System);
        var token = tokens.Issue("cabcdefghjkm", "cabcdefghjkm-m123", 1);
        var body = token[4..token.LastIndexOf('.')];
        var forged = "scm_" + body[..^2] + (body[^2] == 'A' ? "B" : "A") + body[^1] + token[token.LastIndexOf('.')..];

        Assert.Null(tokens.Validate(forged));
        Assert.Null(new MemberTokens("another-key-entirely-0123456789abcdef"u8.ToArray(), TimeProvider.System).Validate(token));
        Assert.Null(tokens.Validate("scm_garbage"));
        Assert.Null(tokens.Validate("scm_!!!.???"));
    }

    [Fact]
    public void OnlyTheCanonicalEncodingOfAMemberTokenIsAccepted()
    {
        var tokens = new MemberTokens(Key, TimeProvider.System);
        // A token whose encoded text (after the "scm_" prefix) has '-' or '_' somewhere, so the standard-alphabet
        // spelling differs from it.
        var token = Enumerable.Range(0, 200).Select(i => tokens.Issue("cabcdefghjkm", $"cabcdefghjkm-m{i}", 1)).First(t => t[4..].Contains('-') || t[4..].Contains('_'));
        Assert.NotNull(tokens.Validate(token));
        var dot = token.LastIndexOf('.');
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        // The signature is 32 bytes: its 43rd character carries 2 unused bits, so a neighbour character decodes alike.
        var sibling = token[..^1] + alphabet[alphabet.IndexOf(token[^1], StringComparison.Ordinal) ^ 1];
        var bodyEnd = token[dot - 1];
        var bodySibling = token[..(dot - 1)] + alphabet[alphabet.IndexOf(bodyEnd, StringComparison.Ordinal) ^ 1] + token[dot..];
        Assert.All(new[]
        {
            token + "=", token + "==", token[..dot] + "=" + token[dot..],
            "scm_" + token[4..].Replace('-', '+').Replace('_', '/'),
            sibling, bodySibling,
            token + " ", token.Replace(".", ".\n", StringComparison.Ordinal),
        }, variant => Assert.Null(tokens.Validate(variant)));
    }

    [Fact]
    public void KeysNameTheirOwnerAndAreComparedByHash()
    {
        var key = Secrets.NewLeaderKey("cabcdefghjkm-l1");
        Assert.Equal("cabcdefghjkm-l1", Secrets.OwnerOf(key, Secrets.LeaderPrefix));
        Assert.Null(Secrets.OwnerOf(key, Secrets.AdminPrefix));
        Assert.True(Secrets.Matches(key, Secrets.Hash(key)));
        Assert.False(Secrets.Matches(key + "x", Secrets.Hash(key)));
        Assert.NotEqual(Secrets.NewLeaderKey("cabcdefghjkm-l1"), key);
    }

    [Fact]
    public void IdsLeadToTheirChain()
    {
        var chain = Ids.NewChainId();
        var store = Ids.New(chain, 's');
        Assert.True(Ids.IsChainId(chain));
        Assert.Equal(chain, Ids.ChainOf(store));
        Assert.True(Ids.IsKind(store, 's'));
        Assert.Null(Ids.ChainOf("garbage"));
        Assert.Null(Ids.ChainOf(chain + "-x/../y"));
    }

    [Theory]
    [InlineData("13812345678", "13812345678")]
    [InlineData("+86 138-1234-5678", "13812345678")]
    [InlineData("0086 13812345678", "13812345678")]
    [InlineData("12812345678", null)]
    [InlineData("1381234567", null)]
    [InlineData("", null)]
    public void PhonesAreNormalizedToMainlandMobiles(string input, string? expected) => Assert.Equal(expected, Phones.Normalize(input));

    [Fact]
    public void PhonesAndNamesAreMaskedForOthers()
    {
        Assert.Equal("138****5678", Phones.Mask("13812345678"));
        Assert.Equal("王**", Names.Mask("王小明"));
        Assert.Equal("李**", Names.Mask("李"));
        Assert.Equal("A****", Names.Mask("Alice"));
    }
}
