using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Chains;

/// <summary>Members joining a chain, and their tokens.</summary>
public sealed class MemberService(ITableStore tables, ChainService chains, MemberTokens tokens, Authenticator authenticator, IDomainEvents events, TimeProvider clock, ILogger<MemberService> logger,
    MemberVerification? verification = null, MemberVerification? codes = null)
{
    // verification: joining needs a code (the setting on). codes: a code a caller supplies anyway is checked, and a
    // right one signs a known phone in even with the setting off (a code proves the phone either way).

    /// <summary>Whether joining needs a one-time code (the setting <c>MemberVerification</c>).</summary>
    public bool RequiresCode => verification is not null;

    /// <summary>
    /// A neighbour joins. With an idempotency key, a retry (say, the first answer was lost on a bad connection)
    /// returns the same member and a fresh token instead of a confusing <c>member-exists</c>.
    /// With verification on, <paramref name="code"/> (sent to the phone) is required, checked after every other field
    /// and before anything that depends on membership; a known phone with the right code signs in (200, a token of the
    /// member's current version), so no answer tells a stranger whether the phone is a member. With verification off, a
    /// supplied code is still checked (400 when wrong) and a right one signs a known phone in the same way; without a
    /// code a known phone is 409 <c>member-exists</c>.
    /// </summary>
    public async Task<CreateResult<Member>> JoinAsync(string chainId, string? name, string? phone, string? storeId, string? referralCode, string? idempotencyKey, CancellationToken ct,
        string? code = null)
    {
        await chains.GetChainAsync(chainId, ct);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var memberName = v.Text("name", name, 40);
        var normalizedPhone = Phones.Normalize(phone);
        if (normalizedPhone is null)
        {
            v.Add("phone", string.IsNullOrWhiteSpace(phone) ? "phone is required." : "phone must be a mainland China mobile number, e.g. 13812341234.");
        }

        var store = await chains.FindStoreAsync(chainId, storeId, ct);
        if (store is null)
        {
            v.Add("storeId", string.IsNullOrWhiteSpace(storeId) ? "storeId is required." : $"There is no store '{storeId}' in this chain.");
        }

        string? referredBy = null;
        if (!string.IsNullOrWhiteSpace(referralCode))
        {
            var referral = referralCode.Trim().ToLowerInvariant();
            var referrer = referral.Length <= 16 && referral.All(char.IsAsciiLetterOrDigit)
                ? await tables.GetAsync(ChainTables.Members, chainId, ChainTables.ReferralRow(referral), cancellationToken: ct)
                : null;
            referredBy = referrer?.GetString("MemberId");
            if (referredBy is null)
            {
                v.Add("referralCode", "No member of this chain has that referral code.");
            }
        }

        if (verification is not null && string.IsNullOrWhiteSpace(code))
        {
            v.Add("code", "code is required: request one with POST /api/chains/{chainId}/members/verification.");
        }

        v.ThrowIfInvalid();
        var proof = verification ?? (string.IsNullOrWhiteSpace(code) ? null : codes);
        if (proof is not null)
        {
            await proof.ConsumeAsync(chainId, normalizedPhone!, code!, key, ct);
        }

        var fingerprint = Idempotency.Fingerprint(new { memberName, normalizedPhone, store!.StoreId, referredBy });
        for (var attempt = 0; ; attempt++)
        {
            var memberId = key is null ? Ids.New(chainId, 'm') : Ids.For(chainId, 'm', key);
            var member = new Member(memberId, chainId, store.StoreId, memberName, normalizedPhone!, Ids.Random(8), referredBy, 1, clock.GetUtcNow());
            var memberRow = ChainTables.ToEntity(member);
            memberRow["RequestHash"] = fingerprint;
            try
            {
                // Member, phone index and referral-code index land together or not at all.
                await tables.SubmitTransactionAsync(ChainTables.Members,
                [
                    TableOperation.Insert(memberRow),
                    TableOperation.Insert(new TableEntity(chainId, ChainTables.PhoneRow(member.Phone)) { ["Kind"] = "phone", ["MemberId"] = member.MemberId }),
                    TableOperation.Insert(new TableEntity(chainId, ChainTables.ReferralRow(member.ReferralCode)) { ["Kind"] = "referral", ["MemberId"] = member.MemberId }),
                ], ct);
                logger.LogInformation("Member {MemberId} joined chain {ChainId} at store {StoreId}", member.MemberId, chainId, member.StoreId);
                await events.RaiseAsync(DomainEvent.Create("member.joined", chainId, $"members/{member.MemberId}",
                    new { member.MemberId, member.StoreId, member.ReferredBy }, member.JoinedAt), ct);
                return new CreateResult<Member>(member, tokens.Issue(chainId, member.MemberId, member.TokenVersion), false);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && ex.FailedOperationIndex == 0 && key is not null)
            {
                var existing = await tables.GetAsync(ChainTables.Members, chainId, ChainTables.MemberRow(memberId), cancellationToken: ct);
                if (existing is null || existing.GetString("RequestHash") != fingerprint)
                {
                    throw Idempotency.Conflict();
                }

                var joined = ChainTables.ToMember(existing);
                await events.RaiseAsync(DomainEvent.Create("member.joined", chainId, $"members/{joined.MemberId}",
                    new { joined.MemberId, joined.StoreId, joined.ReferredBy }, joined.JoinedAt), ct);
                return new CreateResult<Member>(joined, tokens.Issue(chainId, joined.MemberId, joined.TokenVersion), true);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && ex.FailedOperationIndex == 1 && proof is not null)
            {
                // The phone is proven by its code: sign its member in.
                var index = await tables.GetAsync(ChainTables.Members, chainId, ChainTables.PhoneRow(normalizedPhone!), cancellationToken: ct);
                var existing = index?.GetString("MemberId") is { } knownId
                    ? await tables.GetAsync(ChainTables.Members, chainId, ChainTables.MemberRow(knownId), cancellationToken: ct)
                    : null;
                if (existing is null)
                {
                    continue; // the index row went away meanwhile: try the join again
                }

                var known = ChainTables.ToMember(existing);
                logger.LogInformation("Member {MemberId} of chain {ChainId} signed in with a phone code", known.MemberId, chainId);
                return new CreateResult<Member>(known, tokens.Issue(chainId, known.MemberId, known.TokenVersion), true);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && ex.FailedOperationIndex == 1)
            {
                throw AppProblem.Conflict(ProblemCodes.MemberExists, "Already a member",
                    "This phone number has already joined this chain. Ask your leader to re-issue your member token.");
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && attempt < 3)
            {
                // A referral-code (or, astronomically rarely, id) collision: draw again.
                logger.LogWarning("Member join collided on {Index}; retrying", ex.FailedOperationIndex);
            }
        }
    }

    public async Task<Member> GetAsync(string chainId, string memberId, CancellationToken ct)
    {
        var row = Ids.ChainOf(memberId) == chainId
            ? await tables.GetAsync(ChainTables.Members, chainId, ChainTables.MemberRow(memberId), cancellationToken: ct)
            : null;
        return row is null ? throw AppProblem.NotFound("member", memberId) : ChainTables.ToMember(row);
    }

    /// <summary>A leader (of the member's store) or admin issues a fresh token; the member's older tokens stop working.</summary>
    public async Task<string> ReissueTokenAsync(Caller caller, string memberId, CancellationToken ct)
    {
        caller.Require(Role.Leader, Role.Admin).RequireChainOf(memberId, "member");
        return await NewTokenVersionAsync(caller, memberId, member =>
        {
            if (caller.Role == Role.Leader && caller.StoreId != member.StoreId)
            {
                throw AppProblem.Forbidden("Only the leader of the member's own store (or the chain admin) can re-issue their token.");
            }
        }, ct);
    }

    /// <summary>A member swaps a valid token for a fresh one (a new 90 days); the token it swapped, and any older, stop working.</summary>
    public async Task<string> RefreshTokenAsync(Caller caller, CancellationToken ct)
    {
        caller.Require(Role.Member);
        return await NewTokenVersionAsync(caller, caller.MemberId!, _ => { }, ct);
    }

    /// <summary>Moves the member's token version on (revoking every token issued before) and issues a token of the new version.</summary>
    private async Task<string> NewTokenVersionAsync(Caller caller, string memberId, Action<Member> check, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(ChainTables.Members, caller.ChainId!, ChainTables.MemberRow(memberId), cancellationToken: ct)
                      ?? throw AppProblem.NotFound("member", memberId);
            var member = ChainTables.ToMember(row);
            check(member);
            var version = member.TokenVersion + 1;
            row["TokenVersion"] = version;
            try
            {
                await tables.UpdateAsync(ChainTables.Members, row, TableUpdateMode.Replace, row.ETag!, ct);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                continue; // the member row changed meanwhile: re-read and bump from the new version
            }

            authenticator.Revoke(memberId, version);
            logger.LogInformation("Token of member {MemberId} renewed by {Role} (version {Version})", memberId, caller.Role, version);
            return tokens.Issue(member.ChainId, memberId, version);
        }
    }
}
