using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// The bad-input sweep: every route of the app's own OpenAPI document gets malformed JSON, wrong types, huge and
/// invisible strings, overflowing numbers and dates, reserved characters in path ids, and missing, garbage and
/// other-chain credentials. No answer may be a 5xx or name an internal type; an unknown secret is a 401 on every
/// <c>/api/</c> route but health. A bounded number of requests per route keeps it fast.
/// </summary>
public sealed class BadInputSweepTests : ChainTest
{
    private static readonly string[] InternalNames = ["ServerlessCommerce.", "System.", "Microsoft.", "Azure."];

    /// <summary>Path ids a client can send that are not ids: reserved characters (escaped so they reach the app), NUL, very long.</summary>
    private static readonly string[] BadIds = ["a%23b", "a%3Fb", "a%5Cb", "a%00b", "%2F", "a%27%22b", "%E2%80%8B", "..", new string('x', 600), "c" + new string('0', 2000)];

    private static readonly string[] MalformedBodies =
    [
        "{", "[]", "null", "\"text\"", "42", "{\"a\":}", "{\"x\":1}", "[null]",
        "{\"items\":[null],\"options\":[null],\"name\":\"\\u200b\"}",
    ];

    [Fact]
    public async Task NoMalformedRequestOnAnyRouteGetsA5xxOrAnInternalTypeName()
    {
        var other = await App.NewChainWithPeopleAsync();
        var ids = await ValidIdsAsync();
        var doc = await TestApp.OkJsonAsync(await App.GetAsync("/api/openapi.json"));
        var operations = new List<(string Method, string Route, JsonElement Operation)>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                operations.Add((op.Name.ToUpperInvariant(), path.Name, op.Value));
            }
        }

        Assert.True(operations.Count > 30, $"the OpenAPI document lists {operations.Count} operations");
        // Secrets are rotated by some routes: those run last, the chain admin's own rotation at the very end.
        operations = operations.OrderBy(o => o.Route.Contains("admin-key", StringComparison.Ordinal) ? 3 : o.Route.Contains("rotate", StringComparison.Ordinal) ? 2 : o.Route.Contains("token", StringComparison.Ordinal) ? 1 : 0).ToList();

        var failures = new ConcurrentBag<string>();
        var requests = 0;
        var secrets = new[] { Chain.AdminKey, Chain.LeaderKey, Chain.MemberToken };
        foreach (var group in operations.GroupBy(o => o.Route.Contains("token", StringComparison.Ordinal) || o.Route.Contains("rotate", StringComparison.Ordinal)))
        {
            await Parallel.ForEachAsync(group, new ParallelOptions { MaxDegreeOfParallelism = group.Key ? 1 : 4 }, async (o, _) =>
            {
                var route = Fill(o.Route, ids);
                var isHealth = o.Route == "/api/health";

                // Credentials: none, garbage, another chain's, the wrong scheme, a huge one.
                foreach (var (name, header) in new (string, string?)[]
                {
                    ("no secret", null), ("garbage secret", "Bearer not-a-real-secret"), ("another chain's admin key", "Bearer " + other.AdminKey),
                    ("another chain's member", "Bearer " + other.MemberToken), ("Basic scheme", "Basic dXNlcjpwYXNz"), ("huge secret", "Bearer " + new string('k', 5000)),
                })
                {
                    var (status, text) = await SendAsync(o.Method, route, header, o.Method == "GET" ? null : "{}");
                    Interlocked.Increment(ref requests);
                    Check(failures, o, route, name, status, text);
                    if (name is "garbage secret" or "huge secret" && !isHealth && status != 401)
                    {
                        failures.Add($"{o.Method} {route} with {name}: expected 401, got {status}: {Cut(text)}");
                    }
                }

                // Reserved characters and huge ids in each path parameter, with a secret that may act there.
                foreach (var parameter in Parameters(o.Route))
                {
                    var valid = ids.GetValueOrDefault(parameter, "x0");
                    // Plain junk, and a real id with junk after it (past the chain-prefix check, into storage keys).
                    foreach (var bad in BadIds.Concat(new[] { "%23x", "%3F", "%5C", "%00", "%2F..", "%0A", new string('a', 600) }.Select(suffix => valid + suffix)))
                    {
                        var badRoute = Fill(o.Route.Replace("{" + parameter + "}", bad, StringComparison.Ordinal), ids);
                        foreach (var secret in secrets)
                        {
                            var (status, text) = await SendAsync(o.Method, badRoute, "Bearer " + secret, o.Method == "GET" ? null : "{}");
                            Interlocked.Increment(ref requests);
                            Check(failures, o, badRoute, $"{parameter} = {Cut(bad, 40)}", status, text);
                        }
                    }
                }

                // Query values that overflow or are not what they claim.
                if (o.Method == "GET")
                {
                    foreach (var query in new[] { "from=0001-01-01&to=9999-12-31", "from=9999-12-31T23:59:59Z", "to=0001-01-01T00:00:00%2B14:00", "from=x&to=y", "take=99999999999&q=%00%E2%80%8B", "take=-1&format=csv", "storeId=a%23b&leaderId=%5C" })
                    {
                        foreach (var secret in secrets)
                        {
                            var (status, text) = await SendAsync(o.Method, route + "?" + query, "Bearer " + secret, null);
                            Interlocked.Increment(ref requests);
                            Check(failures, o, route + "?" + query, "query", status, text);
                        }
                    }

                    return;
                }

                // Bodies: malformed JSON, then every declared field with a wrong type, overflowing or invisible values.
                var bodies = MalformedBodies.Concat(FieldVariants(o.Operation)).ToList();
                foreach (var body in bodies)
                {
                    foreach (var secret in o.Route == "/api/chains" ? [TestApp.PlatformKey] : secrets)
                    {
                        var (status, text) = await SendAsync(o.Method, route, "Bearer " + secret, body);
                        Interlocked.Increment(ref requests);
                        Check(failures, o, route, "body " + Cut(body, 160), status, text);
                    }
                }
            });
        }

        // One line per route and kind of failure (with its first input), so a single bug does not bury the others.
        var distinct = failures.GroupBy(f => f.Split(" with ")[0].Split(" [")[0] + " → " + f.Split(": ", 2)[^1][..Math.Min(60, f.Split(": ", 2)[^1].Length)])
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Min(StringComparer.Ordinal)} (×{g.Count()})");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests} requests failed the sweep:\n" + string.Join("\n", distinct.Take(150)));
    }

    private static void Check(ConcurrentBag<string> failures, (string Method, string Route, JsonElement _) o, string route, string input, int status, string text)
    {
        if (status >= 500)
        {
            failures.Add($"{o.Method} {o.Route} [{Cut(route, 120)}] with {input}: {status} {Cut(text)}");
        }
        else if (o.Route != "/api/openapi.json" && InternalNames.FirstOrDefault(n => text.Contains(n, StringComparison.Ordinal)) is { } leaked)
        {
            failures.Add($"{o.Method} {o.Route} [{Cut(route, 120)}] with {input}: {status} names '{leaked}…': {Cut(text)}");
        }
    }

    private async Task<(int Status, string Text)> SendAsync(string method, string route, string? authorization, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), route);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString("N"));
        try
        {
            using var response = await App.Client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException ex)
        {
            return (599, "no answer: " + ex.Message); // a dropped connection fails the sweep like a 5xx
        }
    }

    /// <summary>Per declared body field: a wrong type, a huge or invisible string, an overflowing number, an out-of-calendar date, a null element.</summary>
    private static IEnumerable<string> FieldVariants(JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var requestBody) || !requestBody.GetProperty("content").TryGetProperty("application/json", out var json) ||
            !json.GetProperty("schema").TryGetProperty("properties", out var properties))
        {
            yield break;
        }

        var names = properties.EnumerateObject().Select(p => p.Name).ToList();
        string All(string value) => "{" + string.Join(",", names.Select(n => $"\"{n}\":{value}")) + "}";
        yield return All("123");
        yield return All("\"x\"");
        yield return All("true");
        yield return All("{}");
        yield return All("[null]");
        yield return All("[{}]");
        yield return All("1e400");
        yield return All("99999999999999999999");
        yield return All("-9223372036854775809");
        yield return All("-1");
        yield return All("1.5");
        yield return All("\"\\u200b\\u200c\\u200d\\u2060\\ufeff \"");
        yield return All("\"\\ud800\"");
        yield return All("\"" + new string('长', 3_000) + "\"");
        yield return All("\"0001-01-01T00:00:00+14:00\"");
        yield return All("\"9999-12-31T23:59:59-14:00\"");
        yield return All("[{\"productId\":null,\"itemId\":\"a#b\",\"quantity\":2147483648,\"priceFen\":9223372036854775807,\"stock\":-1}]");
    }

    private async Task<Dictionary<string, string>> ValidIdsAsync()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var productId = await App.NewProductAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);
        var poll = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", new { question = "哪个好?", options = new[] { "a", "b" } }, Chain.LeaderKey), 201);
        var comment = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments", new { text = "好" }, Chain.MemberToken), 201);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["chainId"] = Chain.ChainId, ["campaignId"] = campaignId, ["storeId"] = Chain.StoreId, ["leaderId"] = Chain.LeaderId,
            ["memberId"] = Chain.MemberId, ["productId"] = productId, ["orderId"] = order.GetProperty("orderId").GetString()!,
            ["pollId"] = poll.GetProperty("pollId").GetString()!, ["commentId"] = comment.GetProperty("commentId").GetString()!,
            ["itemId"] = itemId, ["action"] = "close",
        };
    }

    private static IEnumerable<string> Parameters(string route) =>
        route.Split('/').Where(s => s.StartsWith('{') && s.EndsWith('}')).Select(s => s[1..^1]);

    private static string Fill(string route, Dictionary<string, string> ids) =>
        Parameters(route).Aggregate(route, (r, p) => r.Replace("{" + p + "}", ids.GetValueOrDefault(p, "x0"), StringComparison.Ordinal));

    private static string Cut(string text, int length = 300) => text.Length <= length ? text : text[..length] + "…";
}
