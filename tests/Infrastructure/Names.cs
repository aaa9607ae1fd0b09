namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>Unique storage names, so tests sharing one Azurite never see each other's data.</summary>
public static class Names
{
    public static string Table(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    public static string Lower(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..16];
}
