namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>The repository the tests run from (the folder holding ServerlessCommerce.sln).</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServerlessCommerce.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ServerlessCommerce.sln not found above the test binaries.");
    });

    public static string Root => RootPath.Value;
}
