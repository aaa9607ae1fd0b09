using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Lifecycle;

/// <summary>A lifecycle action for one campaign (activity input).</summary>
public sealed record LifecycleAction(string CampaignId, string Action);

/// <summary>One chunk of the 成团 evaluation (activity input).</summary>
public sealed record EvaluationChunk(string CampaignId, IReadOnlyList<string> OrderIds);

/// <summary>One of the lifecycle's member notifications (activity input).</summary>
public sealed record LifecycleNotice(string CampaignId, string Kind);

/// <summary>
/// The campaign lifecycle as one durable orchestration per campaign (ARCHITECTURE.md section 5). The orchestration only
/// decides <em>when</em>: it asks <see cref="LifecyclePlan"/> (through an activity, which reads the campaign) for the
/// next step, sleeps on a durable timer until it is due — or until a <c>Replan</c> event says a person or a commit moved
/// the campaign — and runs the step as an activity. The <see cref="Campaign"/> aggregate, through its desk, still owns
/// every rule: a transition that already happened answers success, one that no longer applies is refused, so timers and
/// people can race. Activities run at least once, and each is idempotent.
/// </summary>
public sealed class CampaignLifecycleFunctions(ITableStore tables, CampaignDesks desks, CampaignWorkRunner work, IEnumerable<ICampaignReportGenerator> reports, ILogger<CampaignLifecycleFunctions> logger)
{
    public const string Orchestrator = "CampaignLifecycle";
    public const string ReplanEvent = "Replan";
    public const string NextStepActivity = "CampaignLifecycleNextStep";
    public const string TransitionActivity = "CampaignLifecycleTransition";
    public const string PlacedOrdersActivity = "CampaignLifecyclePlacedOrders";
    public const string EvaluateOrdersActivity = "CampaignLifecycleEvaluateOrders";
    public const string FinishEvaluationActivity = "CampaignLifecycleFinishEvaluation";
    public const string NotifyActivity = "CampaignLifecycleNotify";
    public const string ReportActivity = "CampaignLifecycleReport";

    /// <summary>Plans per execution before <c>ContinueAsNew</c>: keeps the history (replayed on every wake-up) small.</summary>
    public const int TurnsPerExecution = 20;

    /// <summary>A step that keeps failing (after its retries) is tried again this much later, rather than failing the orchestration.</summary>
    public static readonly TimeSpan FailedStepBackoff = TimeSpan.FromMinutes(1);

    private static readonly TaskOptions Retried = TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    /// <summary>The one orchestration instance of a campaign.</summary>
    public static string InstanceId(string campaignId) => $"campaign-{campaignId}";

    [Function(Orchestrator)]
    public async Task RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var campaignId = context.GetInput<string>() ?? throw new InvalidOperationException("The lifecycle orchestration's input is the campaign id.");
        var log = context.CreateReplaySafeLogger<CampaignLifecycleFunctions>();

        // One Replan waiter, kept until an event completes it: a waiter given up (cancelled) would still be handed the
        // next event and drop it, so the race below cancels only the losing timer.
        Task<string>? replan = null;
        for (var turn = 0; turn < TurnsPerExecution; turn++)
        {
            LifecycleStep? step;
            try
            {
                step = await context.CallActivityAsync<LifecycleStep?>(NextStepActivity, campaignId, Retried);
                if (step is null)
                {
                    log.LogInformation("Campaign {CampaignId}: lifecycle finished", campaignId); // completed with its report, cancelled, or gone
                    return;
                }

                if (step.DueAt.UtcDateTime <= context.CurrentUtcDateTime)
                {
                    await RunStepAsync(context, campaignId, step.Action);
                    continue; // re-plan after every step
                }
            }
            catch (TaskFailedException ex)
            {
                // One campaign's broken step must not end its lifecycle: wait, then plan again (a Replan also wakes it).
                log.LogWarning("Campaign {CampaignId}: lifecycle step failed ({Error}); planning again in {Backoff}", campaignId, ex.FailureDetails.ErrorMessage, FailedStepBackoff);
                step = new LifecycleStep("retry", context.CurrentUtcDateTime.Add(FailedStepBackoff));
            }

            // Long waits need nothing special: the worker splits timers beyond its maximum interval (3 days) into
            // shorter ones, within Azure Storage's 7-day limit on scheduled messages.
            replan ??= context.WaitForExternalEvent<string>(ReplanEvent);
            using var timerCancel = new CancellationTokenSource();
            var timer = context.CreateTimer(step.DueAt.UtcDateTime, timerCancel.Token);
            if (await Task.WhenAny(timer, replan) == replan)
            {
                timerCancel.Cancel();
                replan = null;
            }
        }

        // Events not yet handed to a waiter are carried into the next execution, which starts by planning afresh.
        context.ContinueAsNew(campaignId, preserveUnprocessedEvents: true);
    }

    private static async Task RunStepAsync(TaskOrchestrationContext context, string campaignId, string action)
    {
        switch (action)
        {
            case "evaluate":
                await EvaluateAsync(context, campaignId);
                break;
            case "notify-preview" or "notify-live" or "remind-pickup" or "notify-survey":
                var kind = action switch { "notify-preview" => "preview", "notify-live" => "live-reminder", "remind-pickup" => "pickup-reminder", _ => "survey" };
                await context.CallActivityAsync(NotifyActivity, new LifecycleNotice(campaignId, kind), Retried);
                break;
            case "report":
                await context.CallActivityAsync(ReportActivity, campaignId, Retried);
                break;
            default:
                await context.CallActivityAsync(TransitionActivity, new LifecycleAction(campaignId, action), Retried);
                break;
        }
    }

    /// <summary>
    /// 成团 evaluation as a fan-out: list the placed orders, evaluate them in chunks in parallel activities, then finish
    /// (the campaign moves to fulfilling). A pass lists at most <see cref="CampaignWorkRunner.EvaluationPass"/> orders;
    /// when more may remain the step ends and the next plan runs another pass.
    /// </summary>
    private static async Task EvaluateAsync(TaskOrchestrationContext context, string campaignId)
    {
        var placed = await context.CallActivityAsync<IReadOnlyList<string>>(PlacedOrdersActivity, campaignId, Retried);
        if (placed.Count > 0)
        {
            var evaluated = await Task.WhenAll(placed.Chunk(CampaignWorkRunner.EvaluationChunk)
                .Select(chunk => context.CallActivityAsync<int>(EvaluateOrdersActivity, new EvaluationChunk(campaignId, chunk), Retried)));
            if (evaluated.Sum() > 0 && (placed.Count >= CampaignWorkRunner.EvaluationPass || evaluated.Sum() < placed.Count))
            {
                return; // more may be waiting (a full pass, or a chunk another run had half done): plan again
            }
        }

        await context.CallActivityAsync(FinishEvaluationActivity, campaignId, Retried);
    }

    /// <summary>The campaign's next step, or null when its lifecycle is over (or the campaign does not exist).</summary>
    [Function(NextStepActivity)]
    public async Task<LifecycleStep?> NextStep([ActivityTrigger] string campaignId, CancellationToken cancellationToken)
    {
        var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, cancellationToken: cancellationToken);
        return row is null ? null : LifecyclePlan.Next(CampaignTables.ToCampaign(row));
    }

    /// <summary>A timed transition through the campaign's desk; one that no longer applies (a person got there first) is not an error.</summary>
    [Function(TransitionActivity)]
    public async Task Transition([ActivityTrigger] LifecycleAction step)
    {
        try
        {
            var (campaign, transition) = await desks.SubmitAsync(step.CampaignId, new TransitionCommand { Action = step.Action, Cause = "timer" });
            if (transition.Changed)
            {
                logger.LogInformation("Campaign {CampaignId}: {Action} on its timer, now {Phase}", step.CampaignId, step.Action, Campaign.Wire(campaign.Phase));
            }
        }
        catch (AppProblem problem) when (problem.Code == ProblemCodes.InvalidTransition)
        {
            logger.LogInformation("Campaign {CampaignId}: {Action} no longer applies ({Detail})", step.CampaignId, step.Action, problem.Message);
        }
    }

    [Function(PlacedOrdersActivity)]
    public Task<IReadOnlyList<string>> PlacedOrders([ActivityTrigger] string campaignId, CancellationToken cancellationToken) =>
        work.PlacedOrderIdsAsync(campaignId, CampaignWorkRunner.EvaluationPass, cancellationToken);

    [Function(EvaluateOrdersActivity)]
    public Task<int> EvaluateOrders([ActivityTrigger] EvaluationChunk chunk) => work.EvaluateOrdersAsync(chunk.CampaignId, chunk.OrderIds);

    [Function(FinishEvaluationActivity)]
    public Task FinishEvaluation([ActivityTrigger] string campaignId) => work.FinishEvaluationAsync(campaignId);

    [Function(NotifyActivity)]
    public Task Notify([ActivityTrigger] LifecycleNotice notice, CancellationToken cancellationToken) => work.NotifyAsync(notice.CampaignId, notice.Kind, cancellationToken);

    /// <summary>The post-campaign report (rewritten whole if run again), then the campaign records it as done.</summary>
    [Function(ReportActivity)]
    public async Task Report([ActivityTrigger] string campaignId, CancellationToken cancellationToken)
    {
        foreach (var report in reports)
        {
            await report.GenerateAsync(campaignId, cancellationToken);
        }

        await work.MarkDoneAsync(campaignId, "report", cancellationToken);
    }
}
