using System.Net;
using Microsoft.AspNetCore.Http;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>Whose address a per-address limit counts, on each host, and that addresses count apart.</summary>
public sealed class ClientRateLimitsTests
{
    private static HttpRequest Request(string remote, string? forwardedFor = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return context.Request;
    }

    [Fact]
    public void TheLocalHostCountsTheConnectionAndIgnoresWhatTheClientClaims()
    {
        using var limits = new ClientRateLimits(new AppSettings(), new AppHost(IsFunctionsHost: false));
        Assert.Equal("203.0.113.7", limits.ClientAddress(Request("203.0.113.7", "198.51.100.1")));
    }

    [Fact]
    public void UnderTheFunctionsHostTheLastForwardedEntryCountsWithoutItsPort()
    {
        using var limits = new ClientRateLimits(new AppSettings(), new AppHost(IsFunctionsHost: true));
        Assert.Equal("203.0.113.7", limits.ClientAddress(Request("127.0.0.1", "198.51.100.1, 203.0.113.7:54321")));
        Assert.Equal("2001:db8::1", limits.ClientAddress(Request("127.0.0.1", "[2001:db8::1]:443")));
        Assert.Equal("127.0.0.1", limits.ClientAddress(Request("127.0.0.1")));
    }

    [Fact]
    public void EachAddressHasItsOwnWindow()
    {
        using var limits = new ClientRateLimits(new AppSettings { RateLimitJoinsPerMinute = 2 }, new AppHost(IsFunctionsHost: false));
        limits.Join(Request("203.0.113.7"));
        limits.Join(Request("203.0.113.7"));
        var refused = Assert.Throws<AppProblem>(() => limits.Join(Request("203.0.113.7")));
        Assert.Equal(ProblemCodes.RateLimited, refused.Code);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        limits.Join(Request("203.0.113.8"));
    }
}
