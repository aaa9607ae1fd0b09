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
        var account = StorageConnection.Parse("UseDevelopmentStorage=true");
        Assert.Equal("devstoreaccount1", account.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), account.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), account.BlobEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), account.QueueEndpoint);
        Assert.True(account.IsDevelopmentStorage);
    }

    [Fact]
    public void AFullAccountStringBuildsEndpointsFromTheSuffixOrTakesExplicitOnes()
    {
        var account = StorageConnection.Parse(AzureAccount);
        Assert.Equal(new Uri("https://prodshop.table.core.windows.net"), account.TableEndpoint);
        Assert.Equal(new Uri("https://prodshop.blob.core.windows.net"), account.BlobEndpoint);
        Assert.False(account.IsDevelopmentStorage);

        var explicitOnes = StorageConnection.Parse(AzureAccount + ";TableEndpoint=http://127.0.0.1:9999/prodshop;");
        Assert.Equal(new Uri("http://127.0.0.1:9999/prodshop"), explicitOnes.TableEndpoint);
        Assert.Equal(new Uri("https://prodshop.queue.core.windows.net"), explicitOnes.QueueEndpoint);
    }

    public static TheoryData<string, Dictionary<string, string?>, string, string, string, string, StorageCredentialKind> Connections() => new()
    {
        {
            "UseDevelopmentStorage=true", new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }, "devstoreaccount1",
            "http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10001/devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", StorageCredentialKind.SharedKey
        },
        {
            "nothing set (local default)", new(), "devstoreaccount1",
            "http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10001/devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", StorageCredentialKind.SharedKey
        },
        {
            "Azurite with explicit endpoints", new() { ["AzureWebJobsStorage"] = StorageConnection.Development(41000, 41001, 41002).ToConnectionString() }, "devstoreaccount1",
            "http://127.0.0.1:41000/devstoreaccount1", "http://127.0.0.1:41001/devstoreaccount1", "http://127.0.0.1:41002/devstoreaccount1", StorageCredentialKind.SharedKey
        },
        {
            "full Azure account string", new() { ["AzureWebJobsStorage"] = AzureAccount }, "prodshop",
            "https://prodshop.blob.core.windows.net/", "https://prodshop.queue.core.windows.net/", "https://prodshop.table.core.windows.net/", StorageCredentialKind.SharedKey
        },
        {
            "__accountName only (environment spelling)", new() { ["AzureWebJobsStorage:accountName"] = "prodshop" }, "prodshop",
            "https://prodshop.blob.core.windows.net/", "https://prodshop.queue.core.windows.net/", "https://prodshop.table.core.windows.net/", StorageCredentialKind.Identity
        },
        {
            "__accountName only (local.settings.json spelling)", new() { ["AzureWebJobsStorage__accountName"] = "prodshop" }, "prodshop",
            "https://prodshop.blob.core.windows.net/", "https://prodshop.queue.core.windows.net/", "https://prodshop.table.core.windows.net/", StorageCredentialKind.Identity
        },
        {
            "the three __*ServiceUri", new()
            {
                ["AzureWebJobsStorage:blobServiceUri"] = "https://media01.blob.core.windows.net",
                ["AzureWebJobsStorage:queueServiceUri"] = "https://media01.queue.core.windows.net/",
                ["AzureWebJobsStorage:tableServiceUri"] = "https://media01.table.core.windows.net",
            },
            "media01", "https://media01.blob.core.windows.net/", "https://media01.queue.core.windows.net/", "https://media01.table.core.windows.net/", StorageCredentialKind.Identity
        },
    };

    [Theory]
    [MemberData(nameof(Connections))]
    public void TheStorageSettingChoosesTheEndpointsAndTheCredential(
        string form, Dictionary<string, string?> values, string account, string blob, string queue, string table, StorageCredentialKind kind)
    {
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var clients = new StorageClients(settings.Storage);

        Assert.True(kind == settings.Storage.CredentialKind, form);
        Assert.Equal(new Uri(blob), clients.Blobs.Uri);
        Assert.Equal(new Uri(queue), clients.Queues.Uri);
        Assert.Equal(new Uri(table).AbsoluteUri.TrimEnd('/'), clients.Tables.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal(account, clients.Blobs.AccountName);
        Assert.Equal(account, clients.Queues.AccountName);
        Assert.Equal(account, clients.Tables.AccountName);
        if (kind == StorageCredentialKind.Identity)
        {
            Assert.IsType<Azure.Identity.DefaultAzureCredential>(clients.Credential);
            Assert.False(clients.Blobs.CanGenerateAccountSasUri); // no key: SAS must be user delegation SAS
            Assert.DoesNotContain(settings.Problems(), p => p.StartsWith("AzureWebJobsStorage", StringComparison.Ordinal));
        }
        else
        {
            Assert.Null(clients.Credential);
            Assert.True(clients.Blobs.CanGenerateAccountSasUri);
        }
    }

    [Fact]
    public void AConnectionStringWinsOverTheIdentityForm()
    {
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", ["AzureWebJobsStorage:accountName"] = "prodshop",
        }).Build());
        Assert.True(settings.Storage.IsDevelopmentStorage);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account")]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "https://media01.blob.core.windows.net")]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "http://media01.table.core.windows.net")]
    public void IncompleteOrMalformedIdentitySettingsAreProblems(string name, string value)
    {
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [name] = value }).Build());
        Assert.Contains(settings.Problems(), p => p.StartsWith("AzureWebJobsStorage", StringComparison.Ordinal));
    }

    [Fact]
    public void UnderAnIdentityRealSecretsAreRequired()
    {
        var settings = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage:accountName"] = "prodshop" }).Build());
        Assert.False(settings.IsLocalDevelopment);
        Assert.Contains(settings.Problems(), p => p.Contains("PlatformAdminKey", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("AccountName=x")]
    [InlineData("AccountName=x;AccountKey=not base64!")]
    [InlineData("garbage")]
    public void MalformedConnectionStringsAreRefusedWithAReason(string connectionString)
    {
        var ex = Assert.Throws<FormatException>(() => StorageConnection.Parse(connectionString));
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
        Assert.Equal(2, sampleKeys.Problems().Count(p => p.Contains("PlatformAdminKey", StringComparison.Ordinal) || p.Contains("TokenSigningKey", StringComparison.Ordinal)));
    }

    [Fact]
    public void OutsideLocalDevelopmentVerificationNeedsARealSenderAndTheLimitsStayStrict()
    {
        AppSettings Azure(params (string Name, string Value)[] more)
        {
            var values = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = AzureAccount, ["PlatformAdminKey"] = new string('p', 32), ["TokenSigningKey"] = new string('t', 40),
            };
            foreach (var (name, value) in more)
            {
                values[name] = value;
            }

            return AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        }

        var defaults = Azure();
        Assert.True(defaults.MemberVerification);
        Assert.Equal((10, 10, 60, 5), (defaults.RateLimitJoinsPerMinute, defaults.RateLimitVerificationsPerMinute, defaults.RateLimitNegotiationsPerMinute, defaults.VerificationCodesPerPhonePerHour));
        Assert.Contains(defaults.Problems(), p => p.Contains("MessageSender", StringComparison.Ordinal));
        Assert.Contains(Azure(("MessageSender", "local")).Problems(), p => p.Contains("local development only", StringComparison.Ordinal));
        Assert.Contains(Azure(("MessageSender", "webhook")).Problems(), p => p.Contains("MessageWebhookUrl", StringComparison.Ordinal));
        Assert.Contains(Azure(("MessageSender", "webhook"), ("MessageWebhookUrl", "http://sms.example.com/hook"), ("MessageWebhookSecret", new string('s', 32))).Problems(),
            p => p.Contains("MessageWebhookUrl", StringComparison.Ordinal));
        Assert.Contains(Azure(("MessageSender", "webhook"), ("MessageWebhookUrl", "https://sms.example.com/hook"), ("MessageWebhookSecret", "short")).Problems(),
            p => p.Contains("MessageWebhookSecret", StringComparison.Ordinal));
        Assert.Empty(Azure(("MessageSender", "webhook"), ("MessageWebhookUrl", "https://sms.example.com/hook"), ("MessageWebhookSecret", new string('s', 32))).Problems());
        Assert.Empty(Azure(("MemberVerification", "off")).Problems());

        // Locally the fake sender is the default, and the sample turns verification off with generous limits.
        var local = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build());
        Assert.Equal("local", local.EffectiveMessageSender);
        var sample = AppSettings.From(new ConfigurationBuilder().AddInMemoryCollection(LocalSettings.Read(Path.Combine(Repo.Root, "local.settings.sample.json"))).Build());
        Assert.False(sample.MemberVerification);
        Assert.Equal((2000, 1000), (sample.RateLimitJoinsPerMinute, sample.RateLimitNegotiationsPerMinute));
        Assert.Empty(sample.Problems());
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
