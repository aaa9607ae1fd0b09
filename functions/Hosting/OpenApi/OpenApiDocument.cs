using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing.Patterns;
using ServerlessCommerce.Functions.Hosting.Local;

namespace ServerlessCommerce.Functions.Hosting.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document, built from the HTTP functions' own declarations: route and methods from
/// <c>[HttpTrigger]</c>, tag and summary from <see cref="OpenApiOperationAttribute"/>, the body from
/// <see cref="OpenApiRequestAttribute"/>, answers from the typed results the method returns (<c>Ok&lt;T&gt;</c>,
/// <c>Created&lt;T&gt;</c>, …), schemas from System.Text.Json's schema exporter with the app's JSON options. The same
/// document on both hosts. Why our own: ASP.NET Core's generator sees only minimal-API endpoints, not
/// <c>[Function]</c> methods, and no Functions OpenAPI extension is served.
/// </summary>
public static class OpenApiDocument
{
    private static readonly JsonSerializerOptions SchemaOptions = new(JsonSerializerOptions.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly (int Status, string Description)[] ProblemAnswers =
    [
        (400, "validation: the detail and errors say what to fix"), (401, "unauthorized: no secret, or an unknown one"),
        (403, "forbidden: a secret of another chain or role"), (404, "not-found"), (409, "a conflict with a fixed code (API.md)"),
    ];

    public static JsonObject Build(FunctionCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var (function, http) in catalog.Http.OrderBy(h => h.Http.Route, StringComparer.Ordinal))
        {
            if (function.Method.GetCustomAttribute<OpenApiIgnoreAttribute>() is not null)
            {
                continue;
            }

            var route = FunctionCatalog.LocalRoute(http, function.Name);
            var pathItem = paths[route] as JsonObject ?? new JsonObject();
            paths[route] = pathItem;
            foreach (var method in FunctionCatalog.Methods(http))
            {
                pathItem[method.ToLowerInvariant()] = Operation(function, route);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "ServerlessCommerce API",
                ["description"] = "Community group-buying driven by private live streams. Errors are problem+json with a fixed `code` (see API.md).",
                ["version"] = "v1",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject { ["Problem"] = ProblemSchema() },
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
            },
        };
    }

    private static JsonObject Operation(LocalFunction function, string route)
    {
        var info = function.Method.GetCustomAttribute<OpenApiOperationAttribute>();
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["tags"] = new JsonArray(info?.Tag ?? "Other"),
            ["summary"] = info?.Summary ?? function.Name,
        };
        if (info?.Description is { } description)
        {
            operation["description"] = description;
        }

        var parameters = new JsonArray();
        foreach (var p in RoutePatternFactory.Parse(route).Parameters)
        {
            parameters.Add(new JsonObject { ["name"] = p.Name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (function.Method.GetCustomAttribute<OpenApiRequestAttribute>() is { } request)
        {
            var schema = request.Type == typeof(byte[]) ? new JsonObject { ["type"] = "string", ["format"] = "binary" } : Schema(request.Type);
            var content = new JsonObject();
            foreach (var type in request.ContentTypes)
            {
                content[type] = new JsonObject { ["schema"] = schema.DeepClone() };
            }

            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = content };
        }

        var responses = new JsonObject();
        foreach (var (status, type) in Answers(UnwrapTask(function.Method.ReturnType)))
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = type is null
                ? new JsonObject { ["description"] = Describe(status) }
                : new JsonObject { ["description"] = Describe(status), ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Schema(type) } } };
        }

        foreach (var extra in function.Method.GetCustomAttributes<OpenApiResponseAttribute>())
        {
            responses[extra.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = extra.Description, ["content"] = new JsonObject { [extra.ContentType] = new JsonObject() },
            };
        }

        if (responses.Count == 0)
        {
            responses["200"] = new JsonObject { ["description"] = "OK" };
        }

        var problems = ProblemAnswers.ToList();
        if (function.Method.GetCustomAttribute<Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute>() is not null)
        {
            problems.Add((413, "too-large"));
        }

        foreach (var (status, problemDescription) in problems)
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = problemDescription,
                ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Problem" } } },
            };
        }

        operation["responses"] = responses;
        return operation;
    }

    private static Type UnwrapTask(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)) ? type.GetGenericArguments()[0] : type;

    /// <summary>Status and body type of each answer a typed result can give.</summary>
    private static IEnumerable<(int Status, Type? Body)> Answers(Type type)
    {
        if (!type.IsGenericType)
        {
            if (type == typeof(Ok))
            {
                yield return (200, null);
            }
            else if (type == typeof(NoContent))
            {
                yield return (204, null);
            }

            yield break;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Ok<>))
        {
            yield return (200, type.GetGenericArguments()[0]);
        }
        else if (definition == typeof(Created<>))
        {
            yield return (201, type.GetGenericArguments()[0]);
        }
        else if (definition == typeof(Accepted<>))
        {
            yield return (202, type.GetGenericArguments()[0]);
        }
        else if (definition.Name.StartsWith("Results`", StringComparison.Ordinal))
        {
            foreach (var answer in type.GetGenericArguments().SelectMany(Answers))
            {
                yield return answer;
            }
        }
    }

    private static string Describe(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static JsonNode Schema(Type type) => SchemaOptions.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = StateOptionalFieldsAndLimits,
    });

    /// <summary>
    /// Request fields API.md marks optional (<c>timeZone?</c>). Request records take every field as nullable so that a
    /// missing one gets the validator's message, which makes the exporter call all of them required.
    /// </summary>
    private static readonly Dictionary<Type, string[]> OptionalFields = new()
    {
        [typeof(Api.ChainsApi.CreateChainRequest)] = ["timeZone"],
        [typeof(Api.MembersApi.JoinRequest)] = ["referralCode", "code"],
        [typeof(Api.ProductsApi.CreateProductRequest)] = ["origin", "batch", "story"],
        [typeof(Api.CampaignsApi.CreateCampaignRequest)] = ["preheatAt", "pickupUntil", "followUpAfterHours", "followUpWindowHours", "targetTags", "stream", "intro"],
        [typeof(Campaigns.StreamDraft)] = ["playbackUrl", "channelsUrl"],
        [typeof(Campaigns.CampaignItemDraft)] = ["livePriceFen", "minGroupSize", "perMemberLimit", "memberPriceFen"],
        [typeof(Api.OrdersApi.PlaceOrderRequest)] = ["address"],
        [typeof(Api.CampaignsApi.DuplicateRequest)] = ["preheatAt", "pickupUntil"],
        [typeof(Api.GrowthApi.LevelBody)] = ["privileges", "memberPrice"],
        [typeof(Api.GrowthApi.GrowthSettingsBody)] = ["featuredReviewPoints"],
        [typeof(Api.LiveApi.FlashSaleRequest)] = ["firstNGift"],
        [typeof(FollowUp.SurveyRequest)] = ["comment"],
        [typeof(FollowUp.ReviewRequest)] = ["photoCount"],
        [typeof(Api.StreamApi.StreamProviderBody)] = ["pushDomain", "playDomain", "appName", "pushKey", "playKey", "pushUrlTemplate", "playbackUrlTemplate", "validHours"],
    };

    private const string DateWindow = "Within [now − 1 day, now + 366 days].";

    /// <summary>The limits API.md fixes, where a client reads the field.</summary>
    private static readonly Dictionary<(Type, string), string> FieldLimits = new()
    {
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "preheatAt")] = $"Optional; default 48 h before liveStartAt (now, if that has passed). {DateWindow}",
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "liveStartAt")] = DateWindow,
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "liveEndAt")] = $"After liveStartAt, at most 24 h later. {DateWindow}",
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "pickupUntil")] = $"Optional; default 48 h after liveEndAt; at most 30 days after liveEndAt. {DateWindow}",
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "followUpAfterHours")] = "Optional; default 24; 0–720 (decimals allowed).",
        [(typeof(Api.CampaignsApi.CreateCampaignRequest), "followUpWindowHours")] = "Optional; default 72; above 0, at most 720 (decimals allowed).",
        [(typeof(Campaigns.CampaignItemDraft), "minGroupSize")] = "Optional; default 1 (成团 minimum); at most the stock.",
        [(typeof(Api.MembersApi.JoinRequest), "code")] =
            "The 6-digit one-time code from POST /api/chains/{chainId}/members/verification; required when the setting MemberVerification is on (the default). Valid 10 minutes, void after 5 wrong tries, used once.",
    };

    private static JsonNode StateOptionalFieldsAndLimits(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node)
        {
            return schema;
        }

        if (context.PropertyInfo is { } property && FieldLimits.TryGetValue((property.DeclaringType, property.Name), out var limits))
        {
            node["description"] = limits;
        }
        else if (context.PropertyInfo is null && OptionalFields.TryGetValue(context.TypeInfo.Type, out var optional) && node["required"] is JsonArray required)
        {
            foreach (var name in optional)
            {
                if (required.FirstOrDefault(r => r?.GetValue<string>() == name) is { } entry)
                {
                    required.Remove(entry);
                }
            }
        }

        return schema;
    }

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "RFC 9457 problem details with the fixed `code` of API.md.",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["code"] = new JsonObject { ["type"] = "string" },
            ["instance"] = new JsonObject { ["type"] = "string" },
            ["traceId"] = new JsonObject { ["type"] = "string" },
            ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
        },
        ["required"] = new JsonArray("type", "title", "status", "detail", "code"),
    };
}
