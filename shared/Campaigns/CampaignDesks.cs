using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// The desks of this process, one per campaign with recent activity. A desk idle for a while is closed; its state is
/// only a cache of storage, so closing or losing one loses nothing.
/// </summary>
public sealed class CampaignDesks(ITableStore tables, TimeProvider clock, ICampaignCommitObserver observer, ILoggerFactory logs) : IAsyncDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, Lazy<CampaignDesk>> _desks = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logs.CreateLogger<CampaignDesk>();
    private int _submissions;

    /// <summary>This process among the app's instances (lanes are leased to it); new on every start.</summary>
    public string InstanceId { get; } = InstanceName();

    public Task<TResult> SubmitAsync<TResult>(string campaignId, DeskCommand<TResult> command)
    {
        if (Interlocked.Increment(ref _submissions) % 1024 == 0)
        {
            _ = CloseIdleAsync();
        }

        return _desks.GetOrAdd(campaignId, id => new Lazy<CampaignDesk>(() => new CampaignDesk(id, InstanceId, tables, clock, observer, _logger))).Value.SubmitAsync(command);
    }

    public int Count => _desks.Count;

    private static string InstanceName()
    {
        var host = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } azure ? azure[..Math.Min(12, azure.Length)] : Environment.MachineName;
        return $"{host}-{Environment.ProcessId}-{ServerlessCommerce.Common.Ids.Random(6)}";
    }

    private async Task CloseIdleAsync()
    {
        var cutoff = clock.GetUtcNow() - IdleLimit;
        foreach (var (id, desk) in _desks)
        {
            if (desk.IsValueCreated && desk.Value.LastUsed < cutoff && _desks.TryRemove(new KeyValuePair<string, Lazy<CampaignDesk>>(id, desk)))
            {
                await desk.Value.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var desk in _desks.Values.Where(d => d.IsValueCreated))
        {
            await desk.Value.DisposeAsync();
        }

        _desks.Clear();
    }
}
