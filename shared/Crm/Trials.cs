using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Crm;

public enum TrialStatus
{
    Invited,
    Submitted,
    Approved,
}

/// <summary>A KOC trial (体验官): a member invited to try one campaign item before preheat, their feedback and the leader's approval.</summary>
public sealed record Trial(
    string TrialId, string CampaignId, string MemberId, string MemberName, string ItemId, string ItemName, TrialStatus Status,
    string? Text, int PhotoCount, int PhotosUploaded, string? Quote, DateTimeOffset InvitedAt, DateTimeOffset? SubmittedAt, DateTimeOffset? ApprovedAt)
{
    public static string Wire(TrialStatus s) => s.ToString().ToLowerInvariant();
}

/// <summary>A trial with read links to its confirmed photos.</summary>
public sealed record TrialWithPhotos(Trial Trial, IReadOnlyList<Uri> PhotoUrls);

/// <summary>An approved quote as anyone sees it ("体验官说"): masked name, never a phone.</summary>
public sealed record TrialQuote(string MaskedName, string ItemId, string ItemName, string Text, IReadOnlyList<Uri> PhotoUrls);

public sealed record TrialFeedback(Trial Trial, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset ExpiresAt);

/// <summary>
/// KOC / experience-officer trials. The leader of the campaign's store (or the admin) invites members of that store
/// while the campaign is in draft or preheat; the invited member (only they) sends feedback once, with photos through
/// create-only upload URLs and a confirm step that keeps only real images (as reviews do); the leader approves a quote,
/// which then shows publicly with the masked name.
/// </summary>
public sealed class TrialService(ITableStore tables, IBlobStore blobs, CampaignService campaigns, TimeProvider clock, ILogger<TrialService> logger)
{
    public const int MaxTrialsPerCampaign = 30;
    public const int MaxTextLength = 500;
    public const int MaxQuoteLength = 140;
    public static readonly TimeSpan PhotoReadLifetime = TimeSpan.FromHours(2);

    public async Task<(Trial Trial, bool Created)> InviteAsync(Caller caller, string campaignId, string? memberId, string? itemId, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        var item = campaign.Items.FirstOrDefault(i => i.ItemId == itemId);
        if (item is null)
        {
            v.Add("itemId", string.IsNullOrWhiteSpace(itemId) ? "itemId is required." : $"The campaign has no item '{itemId}'.");
        }

        var member = memberId is not null && Ids.ChainOf(memberId) == campaign.ChainId
            ? await tables.GetAsync(ChainTables.Members, campaign.ChainId, ChainTables.MemberRow(memberId), cancellationToken: ct)
            : null;
        if (member is null)
        {
            v.Add("memberId", string.IsNullOrWhiteSpace(memberId) ? "memberId is required." : $"There is no member '{memberId}' in this chain.");
        }
        else if (member.GetString("StoreId") != campaign.StoreId)
        {
            v.Add("memberId", "Invite members of the campaign's store.");
        }

        v.ThrowIfInvalid();
        if (campaign.Phase is not (CampaignPhase.Draft or CampaignPhase.Preheat))
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late for trials", "Members are invited to a trial before the live: while the campaign is in draft or preheat.");
        }

        var trialId = Ids.For(campaign.ChainId, 't', $"{campaignId}|{memberId}|{itemId}");
        if (await tables.GetAsync(CrmTables.Trials, campaignId, trialId, cancellationToken: ct) is { } existing)
        {
            return (ToTrial(existing), false);
        }

        var trial = new Trial(trialId, campaignId, memberId!, member!.RequireString("Name"), item!.ItemId, item.Name, TrialStatus.Invited, null, 0, 0, null, clock.GetUtcNow(), null, null);
        // The cap holds across instances: each trial takes one of MaxTrialsPerCampaign slot rows in the same transaction
        // as its own row, so two leaders inviting at once can never make a 31st.
        for (var attempt = 0; ; attempt++)
        {
            var taken = await tables.QueryAsync(CrmTables.Trials, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", campaignId),
                TableFilter.RowKeyStartsWith(SlotPrefix)), ["RowKey"]), ct).Select(r => r.RowKey).ToHashSetAsync(StringComparer.Ordinal, ct);
            var free = Enumerable.Range(0, MaxTrialsPerCampaign).Select(SlotRow).FirstOrDefault(slot => !taken.Contains(slot));
            if (free is null || await CountTrialsAsync(campaignId, ct) >= MaxTrialsPerCampaign)
            {
                throw AppProblem.Validation("memberId", $"A campaign has at most {MaxTrialsPerCampaign} trials.");
            }

            try
            {
                await tables.SubmitTransactionAsync(CrmTables.Trials,
                [
                    TableOperation.Insert(ToEntity(trial)),
                    TableOperation.Insert(new TableEntity(campaignId, free) { ["TrialId"] = trialId }),
                ], ct);
                break;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                if (await tables.GetAsync(CrmTables.Trials, campaignId, trialId, cancellationToken: ct) is { } raced)
                {
                    return (ToTrial(raced), false); // the same invitation, sent twice at once
                }

                if (attempt >= 2 * MaxTrialsPerCampaign)
                {
                    throw; // never expected: every slot raced away twice over
                }
            }
        }

        logger.LogInformation("Member {MemberId} invited to trial item {ItemId} of campaign {CampaignId}", memberId, itemId, campaignId);
        return (trial, true);
    }

    /// <summary>Every trial of the campaign with its feedback and photos (its staff).</summary>
    public async Task<IReadOnlyList<TrialWithPhotos>> ListAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await WithPhotosAsync(await AllAsync(campaignId, ct), ct);
    }

    /// <summary>The caller's own invitations in the campaign (a member).</summary>
    public async Task<IReadOnlyList<TrialWithPhotos>> MineAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        await campaigns.GetAsync(campaignId, ct);
        return await WithPhotosAsync((await AllAsync(campaignId, ct)).Where(t => t.MemberId == caller.MemberId).ToList(), ct);
    }

    /// <summary>The invited member's feedback, once; returns one create-only upload URL per photo.</summary>
    public async Task<TrialFeedback> SubmitAsync(Caller caller, string campaignId, string trialId, string? text, int? photoCount, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var v = new Validator();
        var body = v.Text("text", text, MaxTextLength);
        var photos = photoCount ?? 0;
        if (photos is < 0 or > FollowUpRules.MaxPhotos)
        {
            v.Add("photoCount", $"photoCount must be between 0 and {FollowUpRules.MaxPhotos}.");
        }

        v.ThrowIfInvalid();
        var row = await OwnRowAsync(caller, campaignId, trialId, ct);
        if (ToTrial(row).Status != TrialStatus.Invited)
        {
            throw AlreadySubmitted();
        }

        var campaign = await campaigns.GetAsync(campaignId, ct);
        if (campaign.Phase is CampaignPhase.Cancelled or CampaignPhase.Completed)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Campaign over", "This campaign is over; trial feedback is closed.");
        }

        row["Status"] = Trial.Wire(TrialStatus.Submitted);
        row["Text"] = body;
        row["PhotoCount"] = photos;
        row["SubmittedAt"] = clock.GetUtcNow();
        try
        {
            await tables.UpdateAsync(CrmTables.Trials, row, TableUpdateMode.Merge, row.ETag!, ct);
        }
        catch (ConcurrencyException)
        {
            throw AlreadySubmitted();
        }

        var expiresAt = clock.GetUtcNow() + FollowUpRules.PhotoUrlLifetime;
        var urls = new List<Uri>(photos);
        for (var n = 1; n <= photos; n++)
        {
            urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, CrmTables.TrialPhotoBlob(campaignId, trialId, n), BlobSasPermissions.Create, expiresAt, ct));
        }

        logger.LogInformation("Trial {TrialId} feedback submitted with {PhotoCount} photo URLs", trialId, photos);
        return new TrialFeedback(ToTrial(row), urls, expiresAt);
    }

    /// <summary>Keeps the uploads that are images (by their bytes), deletes the rest and names them in a 400; records the count.</summary>
    public async Task<Trial> ConfirmPhotosAsync(Caller caller, string campaignId, string trialId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var refused = new SortedSet<int>();
        for (var attempt = 1; ; attempt++)
        {
            var row = await OwnRowAsync(caller, campaignId, trialId, ct);
            var trial = ToTrial(row);
            if (trial.Status == TrialStatus.Invited)
            {
                throw new AppProblem(ProblemCodes.NotFound, "No feedback yet", "Send the trial feedback first, then upload its photos and confirm.");
            }

            var kept = await KeepValidPhotosAsync(campaignId, trialId, trial.PhotoCount, refused, ct);
            if (kept != trial.PhotosUploaded)
            {
                row["PhotosUploaded"] = kept;
                try
                {
                    await tables.UpdateAsync(CrmTables.Trials, row, TableUpdateMode.Merge, row.ETag!, ct);
                }
                catch (ConcurrencyException) when (attempt < 5)
                {
                    continue;
                }
            }

            if (refused.Count > 0)
            {
                throw AppProblem.Validation(refused.ToDictionary(n => $"photos[{n}]", n => new[]
                {
                    $"Photo {n} is not a JPEG, PNG, GIF or WebP image (or is larger than {FollowUpRules.MaxPhotoBytes / 1024 / 1024} MB); it was deleted. Upload a photo with the same URL and confirm again.",
                }));
            }

            return trial with { PhotosUploaded = kept };
        }
    }

    /// <summary>The leader approves the feedback as a public quote (the feedback text unless a shorter quote is given). Again → 200.</summary>
    public async Task<Trial> ApproveAsync(Caller caller, string campaignId, string trialId, string? quote, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        var text = v.OptionalText("quote", quote, MaxQuoteLength);
        v.ThrowIfInvalid();
        var row = await tables.GetAsync(CrmTables.Trials, campaignId, trialId, cancellationToken: ct) ?? throw AppProblem.NotFound("trial", trialId);
        var trial = ToTrial(row);
        if (trial.Status == TrialStatus.Invited)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "No feedback yet", "Only a trial with feedback can be approved.");
        }

        var finalQuote = text ?? (trial.Text!.Length > MaxQuoteLength ? trial.Text[..MaxQuoteLength] : trial.Text);
        row["Status"] = Trial.Wire(TrialStatus.Approved);
        row["Quote"] = finalQuote;
        row["ApprovedAt"] = trial.ApprovedAt ?? clock.GetUtcNow();
        await tables.UpdateAsync(CrmTables.Trials, row, TableUpdateMode.Merge, "*", ct);
        logger.LogInformation("Trial {TrialId} approved as a quote", trialId);
        return ToTrial(row);
    }

    /// <summary>"体验官说": the approved quotes of a campaign, public.</summary>
    public async Task<IReadOnlyList<TrialQuote>> QuotesAsync(string campaignId, CancellationToken ct)
    {
        await campaigns.GetAsync(campaignId, ct);
        var approved = (await AllAsync(campaignId, ct)).Where(t => t.Status == TrialStatus.Approved).OrderBy(t => t.ApprovedAt).ToList();
        return (await WithPhotosAsync(approved, ct))
            .Select(t => new TrialQuote(Names.Mask(t.Trial.MemberName), t.Trial.ItemId, t.Trial.ItemName, t.Trial.Quote ?? string.Empty, t.PhotoUrls)).ToList();
    }

    private async Task<List<Trial>> AllAsync(string campaignId, CancellationToken ct) =>
        (await tables.QueryAsync(CrmTables.Trials, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", campaignId), TableFilter.Compare("RowKey", "lt", SlotPrefix))), ct)
            .Select(ToTrial).ToListAsync(ct)).OrderBy(t => t.InvitedAt).ToList();

    /// <summary>Slot rows (<c>~slot-00</c>…) sort after every trial id, which starts with the chain id.</summary>
    private const string SlotPrefix = "~slot-";

    private static string SlotRow(int n) => SlotPrefix + n.ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<int> CountTrialsAsync(string campaignId, CancellationToken ct) =>
        await tables.QueryAsync(CrmTables.Trials, new TableQuery(TableFilter.And(TableFilter.Equal("PartitionKey", campaignId), TableFilter.Compare("RowKey", "lt", SlotPrefix)), ["RowKey"]), ct).CountAsync(ct);

    private async Task<TableEntity> OwnRowAsync(Caller caller, string campaignId, string trialId, CancellationToken ct)
    {
        var row = await tables.GetAsync(CrmTables.Trials, campaignId, trialId, cancellationToken: ct) ?? throw AppProblem.NotFound("trial", trialId);
        if (row.GetString("MemberId") != caller.MemberId)
        {
            throw AppProblem.Forbidden("This trial invitation is another member's.");
        }

        return row;
    }

    private async Task<IReadOnlyList<TrialWithPhotos>> WithPhotosAsync(IReadOnlyList<Trial> trials, CancellationToken ct)
    {
        var expiresAt = clock.GetUtcNow() + PhotoReadLifetime;
        var result = new List<TrialWithPhotos>(trials.Count);
        foreach (var t in trials)
        {
            var urls = new List<Uri>();
            for (var n = 1; n <= t.PhotosUploaded; n++)
            {
                urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, CrmTables.TrialPhotoBlob(t.CampaignId, t.TrialId, n), BlobSasPermissions.Read, expiresAt, ct));
            }

            result.Add(new TrialWithPhotos(t, urls));
        }

        return result;
    }

    /// <summary>
    /// Counts photos 1..n in order of number so the read links 1..PhotosUploaded exist: a refused photo is deleted, and
    /// only a contiguous run of good photos from 1 is counted.
    /// </summary>
    private async Task<int> KeepValidPhotosAsync(string campaignId, string trialId, int photoCount, ISet<int> refused, CancellationToken ct) =>
        UploadedPhotos.ContiguousFromOne(await UploadedPhotos.CheckAsync(blobs, CrmTables.TrialPhotoPrefix(campaignId, trialId),
            n => CrmTables.TrialPhotoBlob(campaignId, trialId, n), photoCount, refused, logger, "Trial", ct));

    private static AppProblem AlreadySubmitted() =>
        AppProblem.Conflict(ProblemCodes.AlreadySubmitted, "Already submitted", "This trial's feedback was already submitted; each invitation gets one feedback.");

    private static TableEntity ToEntity(Trial t) => new(t.CampaignId, t.TrialId)
    {
        ["TrialId"] = t.TrialId,
        ["MemberId"] = t.MemberId,
        ["MemberName"] = t.MemberName,
        ["ItemId"] = t.ItemId,
        ["ItemName"] = t.ItemName,
        ["Status"] = Trial.Wire(t.Status),
        ["Text"] = t.Text,
        ["PhotoCount"] = t.PhotoCount,
        ["PhotosUploaded"] = t.PhotosUploaded,
        ["Quote"] = t.Quote,
        ["InvitedAt"] = t.InvitedAt,
        ["SubmittedAt"] = t.SubmittedAt,
        ["ApprovedAt"] = t.ApprovedAt,
    };

    private static Trial ToTrial(TableEntity e) => new(
        e.RequireString("TrialId"), e.PartitionKey, e.RequireString("MemberId"), e.GetString("MemberName") ?? string.Empty, e.RequireString("ItemId"), e.GetString("ItemName") ?? string.Empty,
        Enum.TryParse<TrialStatus>(e.GetString("Status"), ignoreCase: true, out var s) ? s : TrialStatus.Invited,
        e.GetString("Text"), e.GetInt32("PhotoCount") ?? 0, e.GetInt32("PhotosUploaded") ?? 0, e.GetString("Quote"),
        e.GetDateTimeOffset("InvitedAt") ?? default, e.GetDateTimeOffset("SubmittedAt"), e.GetDateTimeOffset("ApprovedAt"));
}
