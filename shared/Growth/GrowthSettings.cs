using ServerlessCommerce.Common;

namespace ServerlessCommerce.Growth;

/// <summary>
/// A member level (会员等级): reached at <paramref name="MinPoints"/>. <paramref name="MemberPrice"/> is the privilege the app
/// applies itself: orders get the campaign items' 会员价 (<c>memberPriceFen</c>). The other privileges are shown as text.
/// </summary>
public sealed record MemberLevel(string Name, int MinPoints, IReadOnlyList<string> Privileges, bool MemberPrice = false);

/// <summary>A member's place on the level ladder: the level held and the next one (null at the top).</summary>
public sealed record LevelStanding(MemberLevel Level, MemberLevel? Next)
{
    public int? PointsToNext(int balance) => Next is null ? null : Math.Max(0, Next.MinPoints - balance);
}

/// <summary>
/// A chain's growth rules (老带新 and points): what a referral earns each side, how many points a yuan of a handed-over
/// order earns, the levels, and what a 优质晒单 (a review the leader features) earns. Plain values with their limits;
/// <see cref="Validate"/> is the one place they are checked.
/// </summary>
public sealed record GrowthSettings(int ReferrerRewardPoints, int RefereeRewardPoints, int PurchasePointsPerYuan, IReadOnlyList<MemberLevel> Levels,
    int FeaturedReviewPoints = GrowthSettings.DefaultFeaturedReviewPoints, int SpendPointsPerYuan = 0, int MaxPointsSharePercent = 0)
{
    public const int DefaultFeaturedReviewPoints = 50;
    public const int MaxFeaturedReviewPoints = 1000;

    /// <summary>Spending points (积分抵扣): at most this many points make ¥1 off.</summary>
    public const int MaxSpendPointsPerYuan = 10_000;

    /// <summary>Points pay an order only when both the rate and the cap are set (off by default).</summary>
    public bool SpendingOn => SpendPointsPerYuan > 0 && MaxPointsSharePercent > 0;

    /// <summary>Points are spent in steps that make whole fen: the rate over gcd(rate, 100) (100 points per yuan: 1).</summary>
    public int SpendStep => SpendingOn ? SpendPointsPerYuan / (int)Gcd(SpendPointsPerYuan, 100) : 1;

    /// <summary>The fen <paramref name="points"/> take off (whole steps only; see <see cref="SpendStep"/>).</summary>
    public long DiscountFen(int points) => SpendingOn ? (long)points * 100 / SpendPointsPerYuan : 0;

    /// <summary>The most fen points may pay of <paramref name="goodsFen"/>: the cap share, rounded down.</summary>
    public long CapFen(long goodsFen) => Math.Max(0, goodsFen) * MaxPointsSharePercent / 100;

    /// <summary>The most points an order of <paramref name="goodsFen"/> may use (whole steps under the cap).</summary>
    public int MaxPointsFor(long goodsFen)
    {
        if (!SpendingOn)
        {
            return 0;
        }

        var points = Math.Min(int.MaxValue, CapFen(goodsFen) * SpendPointsPerYuan / 100);
        return (int)(points / SpendStep * SpendStep);
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    public const int MaxRewardPoints = 10_000;
    public const int MaxPointsPerYuan = 100;
    public const int MaxLevels = 10;
    public const int MaxLevelNameLength = 20;
    public const int MaxPrivileges = 5;
    public const int MaxPrivilegeLength = 40;
    public const int MaxLevelPoints = 10_000_000;

    /// <summary>What a chain has until its admin says otherwise.</summary>
    public static readonly GrowthSettings Default = new(100, 50, 1,
    [
        new MemberLevel("普通邻居", 0, ["积分抵扣活动可参与"]),
        new MemberLevel("银牌邻居", 500, ["会员价商品享会员价", "生日礼券", "专属客服群"], MemberPrice: true),
        new MemberLevel("金牌邻居", 2000, ["会员价商品享会员价", "新品优先试吃", "团长直播点名感谢"], MemberPrice: true),
    ]);

    /// <summary>The level a balance holds: the highest whose threshold it reaches (the first level starts at 0).</summary>
    public LevelStanding StandingFor(int balance)
    {
        var ordered = Levels.OrderBy(l => l.MinPoints).ToList();
        var index = ordered.FindLastIndex(l => balance >= l.MinPoints);
        index = Math.Max(0, index);
        return new LevelStanding(ordered[index], index + 1 < ordered.Count ? ordered[index + 1] : null);
    }

    /// <summary>Points a handed-over order earns: whole yuan of its confirmed total times the rate.</summary>
    public int PurchasePoints(long totalFen) => (int)Math.Min(int.MaxValue, Math.Max(0, totalFen) / 100 * PurchasePointsPerYuan);

    /// <summary>The settings an admin sent, checked and tidied; 400 naming every field that is wrong.</summary>
    public static GrowthSettings Validate(int? referrerRewardPoints, int? refereeRewardPoints, int? purchasePointsPerYuan, IReadOnlyList<(string? Name, int? MinPoints, IReadOnlyList<string?>? Privileges, bool? MemberPrice)>? levels,
        int? featuredReviewPoints = DefaultFeaturedReviewPoints, int? spendPointsPerYuan = null, int? maxPointsSharePercent = null)
    {
        var v = new Validator();
        int Range(string field, int? value, int max)
        {
            if (value is null)
            {
                v.Add(field, $"{field} is required.");
                return 0;
            }

            if (value < 0 || value > max)
            {
                v.Add(field, $"{field} must be between 0 and {max}.");
            }

            return value.Value;
        }

        var referrer = Range("referrerRewardPoints", referrerRewardPoints, MaxRewardPoints);
        var referee = Range("refereeRewardPoints", refereeRewardPoints, MaxRewardPoints);
        var rate = Range("purchasePointsPerYuan", purchasePointsPerYuan, MaxPointsPerYuan);
        var featured = Range("featuredReviewPoints", featuredReviewPoints, MaxFeaturedReviewPoints);
        var spendRate = Range("spendPointsPerYuan", spendPointsPerYuan ?? 0, MaxSpendPointsPerYuan);
        var share = Range("maxPointsSharePercent", maxPointsSharePercent ?? 0, 100);
        if ((spendRate > 0) != (share > 0))
        {
            v.Add("maxPointsSharePercent", "Set both spendPointsPerYuan and maxPointsSharePercent to let points pay orders, or both to 0 to turn it off.");
        }

        var parsed = new List<MemberLevel>();
        if (levels is null || levels.Count is 0 or > MaxLevels)
        {
            v.Add("levels", $"levels must hold 1–{MaxLevels} levels.");
        }
        else
        {
            for (var i = 0; i < levels.Count; i++)
            {
                var (name, minPoints, privileges, memberPrice) = levels[i];
                var levelName = v.Text($"levels[{i}].name", name, MaxLevelNameLength);
                var min = Range($"levels[{i}].minPoints", minPoints, MaxLevelPoints);
                var texts = new List<string>();
                if (privileges is { Count: > MaxPrivileges })
                {
                    v.Add($"levels[{i}].privileges", $"A level has at most {MaxPrivileges} privileges.");
                }
                else
                {
                    for (var j = 0; j < (privileges?.Count ?? 0); j++)
                    {
                        texts.Add(v.Text($"levels[{i}].privileges[{j}]", privileges![j], MaxPrivilegeLength));
                    }
                }

                parsed.Add(new MemberLevel(levelName, min, texts, memberPrice ?? false));
            }

            if (parsed.Count > 0 && levels[0].MinPoints is not 0)
            {
                v.Add("levels[0].minPoints", "The first level starts at 0 points, so every member holds a level.");
            }

            for (var i = 1; i < parsed.Count; i++)
            {
                if (levels[i].MinPoints is { } min && levels[i - 1].MinPoints is { } before && min <= before)
                {
                    v.Add($"levels[{i}].minPoints", "Each level needs more points than the one before it.");
                }
            }

            if (parsed.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() != parsed.Count)
            {
                v.Add("levels", "Level names must differ.");
            }
        }

        v.ThrowIfInvalid();
        return new GrowthSettings(referrer, referee, rate, parsed, FeaturedReviewPoints: featured, SpendPointsPerYuan: spendRate, MaxPointsSharePercent: share);
    }
}
