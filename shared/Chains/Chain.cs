using System.Text.RegularExpressions;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Chains;

/// <summary>A chain of neighbourhood stores: the unit of tenancy. Everything else belongs to exactly one chain.</summary>
public sealed record Chain(string ChainId, string Name, string TimeZone, DateTimeOffset CreatedAt);

/// <summary>A store (自提点): where members pick up, and whose leader runs its campaigns.</summary>
public sealed record Store(string StoreId, string ChainId, string Name, string Address, DateTimeOffset CreatedAt);

/// <summary>A leader (团长): runs campaigns for one store.</summary>
public sealed record Leader(string LeaderId, string ChainId, string StoreId, string Name, DateTimeOffset CreatedAt);

/// <summary>A member (邻居) of a chain, attached to their home store.</summary>
public sealed record Member(
    string MemberId,
    string ChainId,
    string StoreId,
    string Name,
    string Phone,
    string ReferralCode,
    string? ReferredBy,
    int TokenVersion,
    DateTimeOffset JoinedAt)
{
    public string MaskedPhone => Phones.Mask(Phone);

    public string MaskedName => Names.Mask(Name);
}

/// <summary>Mainland China mobile numbers: how we accept, store and show them.</summary>
public static partial class Phones
{
    /// <summary>The 11-digit form of a mobile number (spaces, dashes and a +86/0086 prefix removed), or null.</summary>
    public static string? Normalize(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Length > 32)
        {
            return null;
        }

        var digits = new string(phone.Where(c => c is not (' ' or '-' or '(' or ')')).ToArray());
        if (digits.StartsWith("+86", StringComparison.Ordinal))
        {
            digits = digits[3..];
        }
        else if (digits.StartsWith("0086", StringComparison.Ordinal))
        {
            digits = digits[4..];
        }

        return MobileNumber().IsMatch(digits) ? digits : null;
    }

    /// <summary><c>138****1234</c>: how a phone is shown to anyone but its owner.</summary>
    public static string Mask(string phone) => phone.Length == 11 ? $"{phone[..3]}****{phone[7..]}" : "****";

    [GeneratedRegex(@"^1[3-9][0-9]{9}$")]
    private static partial Regex MobileNumber();
}

/// <summary>Display names.</summary>
public static class Names
{
    /// <summary><c>王**</c>: the first character and a star for each of the rest (at least two), as live rooms show buyers.</summary>
    public static string Mask(string name)
    {
        var runes = name.Trim().EnumerateRunes().ToList();
        return runes.Count == 0 ? "**" : runes[0] + new string('*', Math.Max(2, runes.Count - 1));
    }
}
