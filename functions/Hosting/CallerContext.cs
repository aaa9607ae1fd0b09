using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// The caller of the current request, authenticated on first use: public routes never look, so a stale token in a
/// browser cannot break them, while protected routes get 401/403 from <see cref="Caller.Require"/>.
/// </summary>
public sealed class CallerContext(IHttpContextAccessor accessor, Authenticator authenticator)
{
    private Task<Caller>? _caller;

    public Task<Caller> GetAsync()
    {
        var http = accessor.HttpContext ?? throw new InvalidOperationException("No request in progress.");
        return _caller ??= authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted);
    }

    public async Task<Caller> RequireAsync(params Role[] roles) => (await GetAsync()).Require(roles);
}
