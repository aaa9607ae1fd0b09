using System.Net;
using System.Text;
using System.Xml.Linq;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Tests.Package;

/// <summary>
/// SAS under an identity: in Azure (identity-based AzureWebJobsStorage, no account key) review-photo and report links
/// are user delegation SAS, signed with a key the Blob service hands to the app's identity; a key-signed (service) SAS
/// is only made where the connection has the account key, i.e. Azurite. The Blob service is a stand-in that answers
/// Get User Delegation Key as Azure does (Azure is the edge we cannot reach; Azurite has no Entra tokens).
/// </summary>
public sealed class IdentitySasTests
{
    private const string ObjectId = "6f1b4d4e-0c0d-4c39-9d8a-0a0000000001";
    private const string TenantId = "72f988bf-0000-0000-0000-0a0000000002";

    [Fact]
    public void UnderAnIdentityTheAppsBlobClientsHoldNoKeyAndWithAConnectionStringTheyDo()
    {
        var identity = StorageConnection.FromIdentity(new StorageIdentitySettings(
            BlobServiceUri: "https://prodshop.blob.core.windows.net/", QueueServiceUri: "https://prodshop.queue.core.windows.net/",
            TableServiceUri: "https://prodshop.table.core.windows.net/"));
        Assert.Equal(StorageCredentialKind.Identity, identity.CredentialKind);

        // The app's own registration (AddAppStorage), as Program.cs uses it.
        BlobServiceClient Blobs(StorageConnection connection)
        {
            var services = new ServiceCollection().AddLogging().AddAppStorage(connection).BuildServiceProvider();
            Assert.IsType<AzureBlobStore>(services.GetRequiredService<IBlobStore>());
            return services.GetRequiredService<StorageClients>().Blobs;
        }

        Assert.False(Blobs(identity).GetBlobContainerClient("media").GetBlobClient("reviews/1.jpg").CanGenerateSasUri);
        Assert.True(Blobs(StorageConnection.Development()).GetBlobContainerClient("media").GetBlobClient("reviews/1.jpg").CanGenerateSasUri);
    }

    [Fact]
    public async Task UnderAnIdentityReviewPhotoAndReportLinksAreUserDelegationSasWithOneKeyReusedWhileItLasts()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        var service = new DelegationKeyService();
        var options = new BlobClientOptions(StorageClients.BlobServiceVersion) { Transport = new HttpClientTransport(new HttpClient(service)) };
        options.Retry.MaxRetries = 0;
        var store = new AzureBlobStore(new BlobServiceClient(new Uri("https://prodshop.blob.core.windows.net"), new FixedToken(), options), clock);

        // A review-photo upload link (create only) and a report link (read only).
        var upload = Query(await store.GetSasUriAsync("media", "reviews/c1/o1/1.jpg", BlobSasPermissions.Create, clock.GetUtcNow().AddMinutes(15)));
        var report = Query(await store.GetSasUriAsync("reports", "c1/report.html", BlobSasPermissions.Read, clock.GetUtcNow().AddDays(1)));

        foreach (var sas in new[] { upload, report })
        {
            Assert.Equal(ObjectId, sas["skoid"]); // signed by the identity's delegation key…
            Assert.Equal(TenantId, sas["sktid"]);
            Assert.Equal("b", sas["sks"]);
            Assert.Equal("b", sas["sr"]);
            Assert.Equal("https", sas["spr"]);
            Assert.False(string.IsNullOrEmpty(sas["sig"]));
        }

        Assert.Equal("c", upload["sp"]);
        Assert.Equal("r", report["sp"]);
        Assert.Equal(1, service.KeyRequests); // …asked for once, with the identity's bearer token
        Assert.Equal("Bearer identity-token", service.LastAuthorization);

        // A link that outlives the key gets a fresh key.
        await store.GetSasUriAsync("reports", "c1/report.csv", BlobSasPermissions.Read, clock.GetUtcNow().AddDays(3));
        Assert.Equal(2, service.KeyRequests);
        clock.Advance(TimeSpan.FromHours(1));
        await store.GetSasUriAsync("media", "reviews/c1/o1/2.jpg", BlobSasPermissions.Create, clock.GetUtcNow().AddMinutes(15));
        Assert.Equal(2, service.KeyRequests);
    }

    [Fact]
    public async Task WithTheAccountKeyOnAzuriteTheSasIsKeySignedAndNoDelegationKeyIsAskedFor()
    {
        var store = new AzureBlobStore(StorageConnection.Development(blobPort: 1), NullLogger<AzureBlobStore>.Instance); // nothing listens on port 1
        var sas = Query(await store.GetSasUriAsync("media", "reviews/c1/o1/1.jpg", BlobSasPermissions.Create, DateTimeOffset.UtcNow.AddMinutes(15)));
        Assert.False(sas.ContainsKey("skoid"));
        Assert.False(sas.ContainsKey("sktid"));
        Assert.Equal("c", sas["sp"]);
        Assert.False(string.IsNullOrEmpty(sas["sig"]));
    }

    private static Dictionary<string, string> Query(Uri sas) =>
        sas.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);

    private sealed class FixedToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("identity-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>The Blob service's Get User Delegation Key (POST ?restype=service&amp;comp=userdelegationkey); anything else is refused.</summary>
    private sealed class DelegationKeyService : HttpMessageHandler
    {
        public int KeyRequests { get; private set; }

        public string? LastAuthorization { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = request.RequestUri!.Query;
            if (request.Method != HttpMethod.Post || !query.Contains("restype=service", StringComparison.Ordinal) || !query.Contains("comp=userdelegationkey", StringComparison.Ordinal))
            {
                return new HttpResponseMessage(HttpStatusCode.Forbidden);
            }

            KeyRequests++;
            LastAuthorization = request.Headers.Authorization?.ToString();
            var keyInfo = XDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).Root!;
            var body = new XDocument(new XElement("UserDelegationKey",
                new XElement("SignedOid", ObjectId),
                new XElement("SignedTid", TenantId),
                new XElement("SignedStart", keyInfo.Element("Start")!.Value),
                new XElement("SignedExpiry", keyInfo.Element("Expiry")!.Value),
                new XElement("SignedService", "b"),
                new XElement("SignedVersion", "2026-06-06"),
                new XElement("Value", Convert.ToBase64String(Encoding.UTF8.GetBytes("delegation-key-0123456789abcdef")))));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body.ToString(), Encoding.UTF8, "application/xml") };
        }
    }
}
