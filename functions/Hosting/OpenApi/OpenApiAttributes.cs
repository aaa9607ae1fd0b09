namespace ServerlessCommerce.Functions.Hosting.OpenApi;

/// <summary>An HTTP function's entry in the OpenAPI document: its group (tag) and what it does.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OpenApiOperationAttribute(string tag, string summary) : Attribute
{
    public string Tag { get; } = tag;

    public string Summary { get; } = summary;

    public string? Description { get; init; }
}

/// <summary>
/// The body an HTTP function reads: a JSON type, or raw bytes (<c>typeof(byte[])</c>) with the content types it accepts.
/// The function reads it itself (<c>ReadJsonAsync</c>), so the document learns it here.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OpenApiRequestAttribute(Type type, params string[] contentTypes) : Attribute
{
    public Type Type { get; } = type;

    public IReadOnlyList<string> ContentTypes { get; } = contentTypes.Length > 0 ? contentTypes : ["application/json"];
}

/// <summary>An answer the return type does not show (a CSV, a file, a redirect).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class OpenApiResponseAttribute(int status, string contentType, string description) : Attribute
{
    public int Status { get; } = status;

    public string ContentType { get; } = contentType;

    public string Description { get; } = description;
}

/// <summary>Keeps an HTTP function (a page, an asset) out of the API document.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OpenApiIgnoreAttribute : Attribute;
