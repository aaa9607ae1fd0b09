using System.Net;
using System.Threading.RateLimiting;
using ServerlessCommerce.Common;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Per-instance limits by client address (fixed one-minute windows): joins, verification-code requests and live-room
/// negotiations, from the settings <c>RateLimit*PerMinute</c>. Each instance counts alone, so the global layer is a WAF
/// or Front Door in front of the app; these stop one address from hammering one instance. Over the limit: 429
/// <c>rate-limited</c> with <c>Retry-After</c>.
/// </summary>
public sealed class ClientRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _joins;
    private readonly PartitionedRateLimiter<string> _verifications;
    private readonly PartitionedRateLimiter<string> _negotiations;
    private readonly AppHost _host;

    public ClientRateLimits(AppSettings settings, AppHost host)
    {
        _host = host;
        _joins = PerAddress(settings.RateLimitJoinsPerMinute);
        _verifications = PerAddress(settings.RateLimitVerificationsPerMinute);
        _negotiations = PerAddress(settings.RateLimitNegotiationsPerMinute);
    }

    public void Join(HttpRequest req) => Acquire(_joins, req, "joins");

    public void Verification(HttpRequest req) => Acquire(_verifications, req, "verification codes");

    public void Negotiation(HttpRequest req) => Acquire(_negotiations, req, "live-room connections");

    /// <summary>
    /// The caller's address. The local host (Kestrel) sees the connection itself; behind the Functions host the
    /// connection is the host's, and the Azure front end appends the client's address as the last
    /// <c>X-Forwarded-For</c> entry (earlier entries are whatever the client sent, so they are not trusted).
    /// </summary>
    public string ClientAddress(HttpRequest req)
    {
        if (_host.IsFunctionsHost)
        {
            var forwarded = req.Headers["X-Forwarded-For"].ToString();
            var last = forwarded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (last is not null)
            {
                // "203.0.113.7:54321" or "[2001:db8::1]:443": the address without its port.
                return IPEndPoint.TryParse(last, out var endpoint) ? endpoint.Address.ToString() : last;
            }
        }

        return req.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private void Acquire(PartitionedRateLimiter<string> limiter, HttpRequest req, string what)
    {
        using var lease = limiter.AttemptAcquire(ClientAddress(req));
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
            throw new AppProblem(ProblemCodes.RateLimited, "Slow down", $"Too many {what} from your address; try again in {Math.Max(1, Math.Ceiling(wait.TotalSeconds)):F0} s.")
            {
                RetryAfter = wait,
            };
        }
    }

    private static PartitionedRateLimiter<string> PerAddress(int perMinute) =>
        PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _joins.Dispose();
        _verifications.Dispose();
        _negotiations.Dispose();
    }
}
