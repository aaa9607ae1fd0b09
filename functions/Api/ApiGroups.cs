namespace ServerlessCommerce.Functions.Api;

public static class ApiGroups
{
    /// <summary>An <c>/api</c> route group with its OpenAPI tag and the problem answers every route may give.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string tag) =>
        app.MapGroup("/api").WithTags(tag)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
