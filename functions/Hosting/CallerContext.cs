using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The caller of the current invocation, authenticated on first use: public routes never look, so a stale token in a
/// browser cannot break them, while protected routes get 401/403 from <see cref="Caller.Require"/>. Scoped: one per
/// invocation on both hosts.
/// </summary>
public sealed class CallerContext(Authenticator authenticator)
{
    private Task<Caller>? _caller;

    public Task<Caller> GetAsync(HttpRequest request) =>
        _caller ??= authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), request.HttpContext.RequestAborted);

    public async Task<Caller> RequireAsync(HttpRequest request, params Role[] roles) => (await GetAsync(request)).Require(roles);
}
