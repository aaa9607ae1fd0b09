using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Messaging;

namespace ServerlessCommerce.Functions.Api;

/// <summary>
/// Local development only: the texts the local fake sender "sent" (<c>MessageSender</c> = <c>local</c>, development
/// storage), so the pages and tests can read a one-time code. Anywhere else the route is 404. Not in the OpenAPI
/// document: it is no part of the API.
/// </summary>
public sealed class DevApi(AppSettings settings, IServiceProvider services, TimeProvider clock)
{
    public sealed record DevMessage(string Phone, string Kind, string Text, string? Code, DateTimeOffset At);

    [Function("DevMessages")]
    [Hosting.OpenApi.OpenApiIgnore]
    public async Task<Ok<DevMessage[]>> Messages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/dev/messages")] HttpRequest req)
    {
        var sender = settings.IsLocalDevelopment ? services.GetService<LocalMessageSender>() : null;
        if (sender is null)
        {
            throw AppProblem.NotFound("route", "dev/messages");
        }

        var chainId = req.QueryString("chainId");
        var phone = Phones.Normalize(req.QueryString("phone"));
        if (chainId is null || !Hosting.ApiEdge.IsPlausibleId(chainId) || phone is null)
        {
            throw AppProblem.Validation("phone", "chainId and phone (a mainland China mobile number) are required.");
        }

        var latest = await sender.LatestAsync(chainId, phone, clock.GetUtcNow(), req.HttpContext.RequestAborted);
        return TypedResults.Ok(latest is null ? [] : new[] { new DevMessage(latest.Phone, latest.Kind, latest.Text, latest.Code, latest.At) });
    }
}
