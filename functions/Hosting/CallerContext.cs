using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The caller of the current invocation, authenticated once: by <see cref="ApiEdge"/> for every <c>/api/</c> request that
/// carries a secret (an unknown one is a 401 on public routes too, API.md), else on first use; protected routes get
/// 401/403 from <see cref="Caller.Require"/>. Scoped: one per invocation on both hosts.
/// </summary>
public sealed class CallerContext(Authenticator authenticator)
{
    private Task<Caller>? _caller;

    public Task<Caller> GetAsync(HttpRequest request) =>
        _caller ??= authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), request.HttpContext.RequestAborted);

    public async Task<Caller> RequireAsync(HttpRequest request, params Role[] roles) => (await GetAsync(request)).Require(roles);
}
