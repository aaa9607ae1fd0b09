using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Every protected route of chains and people, and the chain- and store-scoped routes of the weekly operations: no secret → 401, another chain's secret → 403, wrong role → 403.</summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private TestApp.ChainFixture _a = null!;
    private TestApp.ChainFixture _b = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.SharedAsync();
        _a = await _app.NewChainWithPeopleAsync();
        _b = await _app.NewChainWithPeopleAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private enum Who
    {
        Platform,
        Admin,
        Leader,
        Member,
    }

    private sealed record Route(string Method, Func<TestApp.ChainFixture, string> Path, Who[] Allowed, Func<TestApp.ChainFixture, object?>? Body = null);

    private static readonly Route[] Routes =
    [
        new("POST", _ => "/api/chains", [Who.Platform], _ => new { name = "x" }),
        new("POST", f => $"/api/chains/{f.ChainId}/admin-key/rotate", [Who.Admin]),
        new("POST", f => $"/api/chains/{f.ChainId}/stores", [Who.Admin], _ => new { name = "s", address = "a" }),
        new("POST", f => $"/api/chains/{f.ChainId}/leaders", [Who.Admin], f => new { name = "l", storeId = f.StoreId }),
        new("GET", f => $"/api/chains/{f.ChainId}/leaders", [Who.Admin]),
        new("POST", f => $"/api/leaders/{f.LeaderId}/key/rotate", [Who.Admin]),
        new("POST", f => $"/api/members/{f.MemberId}/token", [Who.Admin, Who.Leader]),
        new("POST", _ => "/api/members/me/token", [Who.Member]),
        new("GET", _ => "/api/me", [Who.Platform, Who.Admin, Who.Leader, Who.Member]),
        new("GET", f => $"/api/chains/{f.ChainId}/outreach-settings", [Who.Admin, Who.Leader]),
        new("PUT", f => $"/api/chains/{f.ChainId}/outreach-settings", [Who.Admin], _ => new { quietHoursStart = "21:30", quietHoursEnd = "08:00" }),
        new("GET", _ => "/api/members/me/preferences", [Who.Member]),
        new("PUT", _ => "/api/members/me/preferences", [Who.Member], _ => new { outreach = true }),
        new("GET", f => $"/api/chains/{f.ChainId}/after-sale-policy", [Who.Admin, Who.Leader, Who.Member]),
        new("PUT", f => $"/api/chains/{f.ChainId}/after-sale-policy", [Who.Admin], _ => new { windowDays = 7, text = "7天无理由，未拆封" }),
        new("GET", f => $"/api/chains/{f.ChainId}/sheets/purchase", [Who.Admin, Who.Leader]),
        new("GET", f => $"/api/stores/{f.StoreId}/sheets/pickup", [Who.Admin, Who.Leader]),
        new("GET", f => $"/api/stores/{f.StoreId}/clearance", [Who.Admin, Who.Leader]),
        new("GET", f => $"/api/stores/{f.StoreId}/series", [Who.Admin, Who.Leader]),
        new("GET", f => $"/api/stores/{f.StoreId}/gatherings", [Who.Admin, Who.Leader, Who.Member]),
    ];

    private static string Secret(TestApp.ChainFixture f, Who who) => who switch
    {
        Who.Platform => TestApp.PlatformKey,
        Who.Admin => f.AdminKey,
        Who.Leader => f.LeaderKey,
        _ => f.MemberToken,
    };

    [Fact]
    public async Task EveryProtectedRouteRefusesCallersWithoutASecret()
    {
        foreach (var r in Routes)
        {
            var response = await _app.SendAsync(new HttpMethod(r.Method), r.Path(_a), r.Body?.Invoke(_a));
            await TestApp.ProblemAsync(response, 401, "unauthorized");
        }
    }

    [Fact]
    public async Task AnUnknownOrMalformedSecretIsRefusedNotTreatedAsAnonymous()
    {
        foreach (var secret in new[] { "nonsense", "sca_" + _a.ChainId + "_wrong", "scl_" + _a.LeaderId + "_wrong", "scm_e30.AAAA" })
        {
            await TestApp.ProblemAsync(await _app.GetAsync("/api/me", secret), 401, "unauthorized");
        }
    }

    [Fact]
    public async Task EveryProtectedRouteRefusesTheWrongRole()
    {
        foreach (var r in Routes)
        {
            foreach (var who in Enum.GetValues<Who>().Except(r.Allowed))
            {
                var response = await _app.SendAsync(new HttpMethod(r.Method), r.Path(_a), r.Body?.Invoke(_a), Secret(_a, who));
                await TestApp.ProblemAsync(response, 403, "forbidden");
            }
        }
    }

    [Fact]
    public async Task AnotherChainsSecretIsForbiddenOnEveryChainScopedRoute()
    {
        foreach (var r in Routes.Where(r => r.Path(_a) != r.Path(_b)))
        {
            foreach (var who in r.Allowed.Where(w => w != Who.Platform))
            {
                // Chain B's admin/leader/member acting on chain A's resources.
                var response = await _app.SendAsync(new HttpMethod(r.Method), r.Path(_a), r.Body?.Invoke(_a), Secret(_b, who));
                await TestApp.ProblemAsync(response, 403, "forbidden");
            }
        }

        // Nothing of chain A changed: its keys still work and it has still one store and one leader.
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", _a.AdminKey));
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", _a.LeaderKey));
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", _a.MemberToken));
        Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_a.ChainId}/stores"))).EnumerateArray());
        Assert.Single((await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_a.ChainId}/leaders", _a.AdminKey))).EnumerateArray());
    }

    [Fact]
    public async Task PublicRoutesNeedNoSecret()
    {
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/health"));
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/openapi.json"));
        await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_a.ChainId}/stores"));
        Assert.Equal(200, (int)(await _app.GetAsync("/")).StatusCode);
        await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{_a.ChainId}/members", new { name = "路人", phone = TestApp.NewPhone(), storeId = _a.StoreId }), 201);
    }
}
