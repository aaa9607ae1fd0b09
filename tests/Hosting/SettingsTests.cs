using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Functions;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

public sealed class SettingsTests
{
    private const string AzureAccount = "DefaultEndpointsProtocol=https;AccountName=prodshop;AccountKey=" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" + ";EndpointSuffix=core.windows.net";

    [Fact]
    public void DevelopmentStorageMeansAzuriteOnItsDefaultPorts()
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true");
        Assert.Equal("devstoreaccount1", account.Name);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), account.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), account.BlobEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), account.QueueEndpoint);
        Assert.True(account.IsDevelopmentStorage);
    }

    [Fact]
    public void AFullAccountStringBuildsEndpointsFromTheSuffixOrTakesExplicitOnes()
    {
        var account = StorageAccount.Parse(AzureAccount);
        Assert.Equal(new Uri("https://prodshop.table.core.windows.net"), account.TableEndpoint);
        Assert.Equal(new Uri("https://prodshop.blob.core.windows.net"), account.BlobEndpoint);
        Assert.False(account.IsDevelopmentStorage);

        var explicitOnes = StorageAccount.Parse(AzureAccount + ";TableEndpoint=http://127.0.0.1:9999/prodshop;");
        Assert.Equal(new Uri("http://127.0.0.1:9999/prodshop"), explicitOnes.TableEndpoint);
        Assert.Equal(new Uri("https://prodshop.queue.core.windows.net"), explicitOnes.QueueEndpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AccountName=x")]
    [InlineData("AccountName=x;AccountKey=not base64!")]
    [InlineData("garbage")]
    public void MalformedConnectionStringsAreRefusedWithAReason(string connectionString)
    {
        var ex = Assert.Throws<FormatException>(() => StorageAccount.Parse(connectionString));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.DoesNotContain("AAAA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutsideLocalDevelopmentMissingSecretsAreProblems()
    {
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = AzureAccount }).Build());
        var problems = settings.Problems();
        Assert.Contains(problems, p => p.Contains("PlatformAdminKey", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("TokenSigningKey", StringComparison.Ordinal));

        var sampleKeys = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzureAccount, ["PlatformAdminKey"] = AppSettings.SampleLocalPlatformKey, ["TokenSigningKey"] = AppSettings.SampleLocalSigningKey,
        }).Build());
        Assert.Equal(2, sampleKeys.Problems().Count);
    }

    [Fact]
    public void LocallyTheSampleSecretsAreEnough() =>
        Assert.Empty(AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build()).Problems());

    [Fact]
    public async Task TheExecutableRefusesToStartInAzureWithoutRealSecretsAndSaysWhy()
    {
        var (exit, output) = await AppProcess.RunToExitAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = AzureAccount }, TimeSpan.FromSeconds(60));
        Assert.Equal(3, exit);
        Assert.Contains("PlatformAdminKey", output, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAAAAAAAAAAAAA", output, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalSettingsValuesAreReadAndEnvironmentStillWins()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, LocalSettings.FileName), """
                { "IsEncrypted": false, // comments are tolerated, as func does
                  "Values": { "PlatformAdminKey": "from-file", "QueueMaxDequeueCount": 7 } }
                """);
            var values = LocalSettings.Read(Path.Combine(dir.FullName, LocalSettings.FileName));
            Assert.Equal("from-file", values["PlatformAdminKey"]);
            Assert.Equal("7", values["QueueMaxDequeueCount"]);

            var previous = Environment.GetEnvironmentVariable("FUNCTIONS_APP_ROOT_PATH");
            Environment.SetEnvironmentVariable("FUNCTIONS_APP_ROOT_PATH", dir.FullName);
            try
            {
                using var app = ServerlessCommerceApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["QueueMaxDequeueCount"] = "3" }));
                var settings = app.Services.GetRequiredService<AppSettings>();
                Assert.Equal("from-file", settings.PlatformAdminKey);
                Assert.Equal(3, settings.QueueMaxDequeueCount);
            }
            finally
            {
                Environment.SetEnvironmentVariable("FUNCTIONS_APP_ROOT_PATH", previous);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
