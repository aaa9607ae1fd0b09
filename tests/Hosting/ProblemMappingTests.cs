using Azure;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>What the storage SDK throws when storage is down becomes 503 "unavailable", not a 500.</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public void ARefusedConnectionAndSpentRetriesAreAStorageOutage()
    {
        var refused = new RequestFailedException(0, "Connection refused (127.0.0.1:10002)", new HttpRequestException("Connection refused"));
        Assert.True(ProblemExceptionHandler.IsStorageOutage(refused));
        Assert.True(ProblemExceptionHandler.IsStorageOutage(new AggregateException("Retry failed after 4 tries.", refused, refused)));
        Assert.True(ProblemExceptionHandler.IsStorageOutage(new RequestFailedException(503, "Server busy")));
    }

    [Fact]
    public void AnAnswerAboutTheRequestIsNotAnOutage()
    {
        Assert.False(ProblemExceptionHandler.IsStorageOutage(new RequestFailedException(404, "Not found")));
        Assert.False(ProblemExceptionHandler.IsStorageOutage(new AggregateException(new RequestFailedException(0, "refused"), new InvalidOperationException("bug"))));
        Assert.False(ProblemExceptionHandler.IsStorageOutage(new InvalidOperationException("bug")));
    }
}
