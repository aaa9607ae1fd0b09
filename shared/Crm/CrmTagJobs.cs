using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

/// <summary>A recompute request for one chain on the <see cref="CrmTagJobs.QueueName"/> queue.</summary>
public sealed record CrmTagWork(string ChainId);

/// <summary>
/// The recompute schedule's fan-out: the timer puts one message per chain on <see cref="QueueName"/>, and each message
/// recomputes one chain. A chain whose recompute fails retries and, in the end, goes to the poison queue on its own;
/// no other chain waits for it.
/// </summary>
public sealed class CrmTagJobs(ITableStore tables, IQueueStore queues, CrmTagService tags, ILogger<CrmTagJobs> logger)
{
    public const string QueueName = "crm-tags";

    public async Task<int> EnqueueAllChainsAsync(CancellationToken ct)
    {
        var count = 0;
        await foreach (var chain in tables.QueryAsync(ChainTables.Chains, new TableQuery(TableFilter.Equal("RowKey", ChainTables.ChainRow), ["PartitionKey"]), ct))
        {
            await EnqueueAsync(chain.PartitionKey, ct);
            count++;
        }

        logger.LogInformation("Tag recompute requested for {Count} chains", count);
        return count;
    }

    public Task EnqueueAsync(string chainId, CancellationToken ct) =>
        queues.SendAsync(QueueName, JsonSerializer.Serialize(new CrmTagWork(chainId), JsonSerializerOptions.Web), cancellationToken: ct);

    public Task RunAsync(string message, CancellationToken ct)
    {
        var work = JsonSerializer.Deserialize<CrmTagWork>(message, JsonSerializerOptions.Web);
        if (work?.ChainId is not { Length: > 0 } chainId || !Common.Ids.IsChainId(chainId))
        {
            throw new InvalidDataException("A crm-tags message names no chain.");
        }

        return tags.RecomputeChainAsync(chainId, null, ct);
    }
}
