using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// The desks of this process, one per campaign with recent activity. A desk idle for a while is closed; its state is
/// only a cache of storage, so closing or losing one loses nothing.
/// </summary>
public sealed class CampaignDesks(ITableStore tables, TimeProvider clock, ICampaignCommitObserver observer, ILoggerFactory logs, WaitlistSettings? waitlist = null) : IAsyncDisposable
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

        var entry = _desks.GetOrAdd(campaignId, id => new Lazy<CampaignDesk>(() => new CampaignDesk(id, InstanceId, tables, clock, observer, _logger, waitlist)));
        var answer = entry.Value.SubmitAsync(command);
        return answer.IsCompletedSuccessfully ? answer : LetGoIfNoCampaignAsync(campaignId, entry, answer);
    }

    /// <summary>
    /// An id that names no campaign costs its 404 and nothing more: its desk is let go at once, not kept for the idle
    /// limit (thousands of made-up ids would otherwise each hold a desk for 10 minutes).
    /// </summary>
    private async Task<TResult> LetGoIfNoCampaignAsync<TResult>(string campaignId, Lazy<CampaignDesk> entry, Task<TResult> answer)
    {
        try
        {
            return await answer;
        }
        catch (AppProblem) when (entry.Value.FoundNoCampaign)
        {
            if (_desks.TryRemove(new KeyValuePair<string, Lazy<CampaignDesk>>(campaignId, entry)))
            {
                await entry.Value.DisposeAsync();
            }

            throw;
        }
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
