using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Functions.Triggers;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>A scheduled job's walk over campaigns survives one campaign that throws.</summary>
public sealed class PerCampaignTests
{
    private static async IAsyncEnumerable<string> Ids(params string[] ids)
    {
        foreach (var id in ids)
        {
            await Task.Yield();
            yield return id;
        }
    }

    [Fact]
    public async Task OneFailingCampaignIsLoggedAndSkippedAndTheOthersProceed()
    {
        var done = new List<string>();
        var logger = new ListLogger();
        var failed = await PerCampaign.ForEachAsync(Ids("a", "poisoned", "b", "c"), id =>
        {
            if (id == "poisoned")
            {
                throw new ArgumentOutOfRangeException(nameof(id), "The added or subtracted value results in an un-representable DateTime.");
            }

            done.Add(id);
            return Task.CompletedTask;
        }, logger, "OutboxSweeper", CancellationToken.None);

        Assert.Equal(["a", "b", "c"], done);
        Assert.Equal(1, failed);
        Assert.Contains(logger.Errors, e => e.Contains("poisoned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShuttingDownStillEndsTheWalk()
    {
        using var cts = new CancellationTokenSource();
        var done = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PerCampaign.ForEachAsync(Ids("a", "b", "c"), id =>
        {
            done.Add(id);
            cts.Cancel();
            cts.Token.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        }, NullLogger.Instance, "ViewerCount", cts.Token));
        Assert.Equal(["a"], done);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Errors { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                Errors.Add(formatter(state, exception));
            }
        }
    }
}
