using ServerlessCommerce.Common;

namespace ServerlessCommerce.Crm;

/// <summary>高价值: total spend at least <see cref="MinTotalSpendFen"/>, or an average order of at least <see cref="MinAverageOrderFen"/>.</summary>
public sealed record HighValueRule(string Tag, bool Enabled, long MinTotalSpendFen, long MinAverageOrderFen);

/// <summary>Category fans (烘焙达人 …): at least <see cref="MinOrders"/> orders holding a product of <see cref="Category"/>.</summary>
public sealed record CategoryFanRule(string Tag, string Category, int MinOrders);

/// <summary>忠实观众: took part in at least <see cref="MinLives"/> lives (reserved or ordered in a campaign that went live).</summary>
public sealed record LoyalViewerRule(string Tag, bool Enabled, int MinLives);

/// <summary>沉睡: no order in the last <see cref="Days"/> days (a member who never ordered: joined more than that long ago).</summary>
public sealed record LapsedRule(string Tag, bool Enabled, int Days);

/// <summary>KOC候选: at least <see cref="MinPhotoReviews"/> reviews with photos, or at least <see cref="MinReferrals"/> neighbours referred.</summary>
public sealed record KocCandidateRule(string Tag, bool Enabled, int MinPhotoReviews, int MinReferrals);

/// <summary>活动常客: checked in at least <see cref="MinAttended"/> offline gatherings (线下活动).</summary>
public sealed record GatheringRegularRule(string Tag, bool Enabled, int MinAttended);

/// <summary>A chain's tag rules (configurable by its admin; defaults in Chinese).</summary>
public sealed record TagRules(HighValueRule HighValue, IReadOnlyList<CategoryFanRule> CategoryFans, LoyalViewerRule LoyalViewer, LapsedRule Lapsed, KocCandidateRule KocCandidate,
    GatheringRegularRule? GatheringRegular = null)
{
    public const int MaxTagLength = 12;
    public const int MaxCategoryFans = 8;
    public const int MaxCategoryLength = 20;
    public const long MaxFen = 1_000_000_000;
    public const int MaxCount = 1000;
    public const int MaxDays = 3650;

    public static readonly TagRules Default = new(
        new HighValueRule("高价值", true, 50_000, 15_000),
        [new CategoryFanRule("烘焙达人", "烘焙", 2), new CategoryFanRule("生鲜达人", "生鲜", 2)],
        new LoyalViewerRule("忠实观众", true, 3),
        new LapsedRule("沉睡", true, 30),
        new KocCandidateRule("KOC候选", true, 1, 1),
        new GatheringRegularRule("活动常客", true, 2));

    /// <summary>Every tag name these rules can give, enabled ones only.</summary>
    public IReadOnlyList<string> TagNames() =>
    [
        .. HighValue.Enabled ? [HighValue.Tag] : Array.Empty<string>(),
        .. CategoryFans.Select(c => c.Tag),
        .. LoyalViewer.Enabled ? [LoyalViewer.Tag] : Array.Empty<string>(),
        .. Lapsed.Enabled ? [Lapsed.Tag] : Array.Empty<string>(),
        .. KocCandidate.Enabled ? [KocCandidate.Tag] : Array.Empty<string>(),
        .. GatheringRegular is { Enabled: true } g ? [g.Tag] : Array.Empty<string>(),
    ];

    /// <summary>Checks a PUT body; a missing section keeps its default. Throws one validation problem listing every error.</summary>
    public static TagRules Validate(TagRulesDraft? d)
    {
        var v = new Validator();
        if (d is null)
        {
            throw AppProblem.Validation("body", "Send the tag rules as a JSON object.");
        }

        var names = new List<string>();
        string Tag(string field, string? value, string fallback)
        {
            var tag = value is null ? fallback : v.Text(field, value, MaxTagLength);
            if (tag.Contains(',', StringComparison.Ordinal))
            {
                v.Add(field, "A tag name cannot contain a comma.");
            }

            names.Add(tag);
            return tag;
        }

        long Fen(string field, long? value, long fallback)
        {
            var x = value ?? fallback;
            if (x is < 0 or > MaxFen)
            {
                v.Add(field, $"{field} must be between 0 and {MaxFen} fen.");
            }

            return x;
        }

        int Count(string field, int? value, int fallback, int max = MaxCount)
        {
            var x = value ?? fallback;
            if (x < 1 || x > max)
            {
                v.Add(field, $"{field} must be between 1 and {max}.");
            }

            return x;
        }

        var dh = Default.HighValue;
        var high = new HighValueRule(Tag("highValue.tag", d.HighValue?.Tag, dh.Tag), d.HighValue?.Enabled ?? true,
            Fen("highValue.minTotalSpendFen", d.HighValue?.MinTotalSpendFen, dh.MinTotalSpendFen), Fen("highValue.minAverageOrderFen", d.HighValue?.MinAverageOrderFen, dh.MinAverageOrderFen));
        var fans = new List<CategoryFanRule>();
        var fanDrafts = d.CategoryFans ?? [.. Default.CategoryFans.Select(c => new CategoryFanDraft(c.Tag, c.Category, c.MinOrders))];
        if (fanDrafts.Count > MaxCategoryFans)
        {
            v.Add("categoryFans", $"At most {MaxCategoryFans} category-fan rules.");
        }
        else
        {
            for (var i = 0; i < fanDrafts.Count; i++)
            {
                var f = fanDrafts[i];
                fans.Add(new CategoryFanRule(v.Text($"categoryFans[{i}].tag", f?.Tag, MaxTagLength), v.Text($"categoryFans[{i}].category", f?.Category, MaxCategoryLength),
                    Count($"categoryFans[{i}].minOrders", f?.MinOrders, 2)));
                names.Add(fans[^1].Tag);
            }
        }

        var dl = Default.LoyalViewer;
        var loyal = new LoyalViewerRule(Tag("loyalViewer.tag", d.LoyalViewer?.Tag, dl.Tag), d.LoyalViewer?.Enabled ?? true, Count("loyalViewer.minLives", d.LoyalViewer?.MinLives, dl.MinLives));
        var dz = Default.Lapsed;
        var lapsed = new LapsedRule(Tag("lapsed.tag", d.Lapsed?.Tag, dz.Tag), d.Lapsed?.Enabled ?? true, Count("lapsed.days", d.Lapsed?.Days, dz.Days, MaxDays));
        var dk = Default.KocCandidate;
        var koc = new KocCandidateRule(Tag("kocCandidate.tag", d.KocCandidate?.Tag, dk.Tag), d.KocCandidate?.Enabled ?? true,
            Count("kocCandidate.minPhotoReviews", d.KocCandidate?.MinPhotoReviews, dk.MinPhotoReviews), Count("kocCandidate.minReferrals", d.KocCandidate?.MinReferrals, dk.MinReferrals));
        var dg = Default.GatheringRegular!;
        var regular = new GatheringRegularRule(Tag("gatheringRegular.tag", d.GatheringRegular?.Tag, dg.Tag), d.GatheringRegular?.Enabled ?? true,
            Count("gatheringRegular.minAttended", d.GatheringRegular?.MinAttended, dg.MinAttended));
        var duplicate = names.Where(n => n.Length > 0).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            v.Add("tags", $"Each rule needs its own tag name; '{duplicate.Key}' is used twice.");
        }

        v.ThrowIfInvalid();
        return new TagRules(high, fans, loyal, lapsed, koc, regular);
    }
}

/// <summary>The wire shape of a PUT (every part optional).</summary>
public sealed record TagRulesDraft(HighValueDraft? HighValue, List<CategoryFanDraft?>? CategoryFans, LoyalViewerDraft? LoyalViewer, LapsedDraft? Lapsed, KocCandidateDraft? KocCandidate,
    GatheringRegularDraft? GatheringRegular = null);

public sealed record HighValueDraft(string? Tag, bool? Enabled, long? MinTotalSpendFen, long? MinAverageOrderFen);

public sealed record CategoryFanDraft(string? Tag, string? Category, int? MinOrders);

public sealed record LoyalViewerDraft(string? Tag, bool? Enabled, int? MinLives);

public sealed record LapsedDraft(string? Tag, bool? Enabled, int? Days);

public sealed record GatheringRegularDraft(string? Tag, bool? Enabled, int? MinAttended);

public sealed record KocCandidateDraft(string? Tag, bool? Enabled, int? MinPhotoReviews, int? MinReferrals);

/// <summary>What one member did, as the tag rules read it.</summary>
public sealed record MemberSignals(
    string MemberId, DateTimeOffset JoinedAt, int Orders, long TotalSpendFen, DateTimeOffset? LastOrderAt,
    IReadOnlyDictionary<string, int> OrdersByCategory, int LivesAttended, int PhotoReviews, int Referrals, int GatheringsAttended = 0);

/// <summary>The pure rule evaluation: signals in, tags out (in the rules' order, so the same input always writes the same row).</summary>
public static class MemberTagger
{
    public static IReadOnlyList<string> Tags(TagRules rules, MemberSignals s, DateTimeOffset now)
    {
        var tags = new List<string>();
        var h = rules.HighValue;
        if (h.Enabled && s.Orders > 0 && (s.TotalSpendFen >= h.MinTotalSpendFen || s.TotalSpendFen / s.Orders >= h.MinAverageOrderFen))
        {
            tags.Add(h.Tag);
        }

        tags.AddRange(rules.CategoryFans.Where(f => s.OrdersByCategory.GetValueOrDefault(f.Category) >= f.MinOrders).Select(f => f.Tag));
        if (rules.LoyalViewer.Enabled && s.LivesAttended >= rules.LoyalViewer.MinLives)
        {
            tags.Add(rules.LoyalViewer.Tag);
        }

        if (rules.Lapsed.Enabled && (s.LastOrderAt ?? s.JoinedAt) < now.AddDays(-rules.Lapsed.Days))
        {
            tags.Add(rules.Lapsed.Tag);
        }

        var k = rules.KocCandidate;
        if (k.Enabled && (s.PhotoReviews >= k.MinPhotoReviews || s.Referrals >= k.MinReferrals))
        {
            tags.Add(k.Tag);
        }

        if (rules.GatheringRegular is { Enabled: true } g && s.GatheringsAttended >= g.MinAttended)
        {
            tags.Add(g.Tag);
        }

        return tags.Distinct(StringComparer.Ordinal).ToList();
    }
}
