using ServerlessCommerce.Functions;
using ServerlessCommerce.Functions.Hosting;

// `--write-functions <dir>` writes one function.json per HTTP route and trigger (for the Functions package) and exits.
var writeAt = Array.IndexOf(args, "--write-functions");
if (writeAt >= 0)
{
    if (writeAt + 1 >= args.Length)
    {
        Console.Error.WriteLine("usage: --write-functions <output-folder>");
        return 2;
    }

    await using var manifestApp = ServerlessCommerceApp.Build([]);
    var functions = ServerlessCommerceApp.Functions(manifestApp);
    FunctionManifest.WriteTo(args[writeAt + 1], functions);
    Console.WriteLine($"Wrote {functions.Count} function.json files to {args[writeAt + 1]}");
    return 0;
}

try
{
    await using var app = ServerlessCommerceApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Refusing to start", StringComparison.Ordinal) || ex.Message.StartsWith("Storage at", StringComparison.Ordinal))
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
