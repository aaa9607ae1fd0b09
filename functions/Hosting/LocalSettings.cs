using System.Text.Json;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> (the file <c>func start</c> reads) into configuration, so one
/// file configures both hosting modes. Environment variables still win.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    /// <summary>Where the file is looked for: the app root the host names, the working directory, the app's folder.</summary>
    public static string? Find()
    {
        foreach (var dir in new[] { Environment.GetEnvironmentVariable("FUNCTIONS_APP_ROOT_PATH"), Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            if (!string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, FileName)))
            {
                return Path.Combine(dir, FileName);
            }
        }

        return null;
    }

    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (doc.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in section.EnumerateObject())
                {
                    values[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
                }
            }

            return values;
        }
    }

    /// <summary>Inserts the file's values below every other configuration source.</summary>
    public static void AddTo(ConfigurationManager configuration)
    {
        var path = Find();
        if (path is null)
        {
            return;
        }

        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Read(path) };
        ((IConfigurationBuilder)configuration).Sources.Insert(0, source);
    }
}
