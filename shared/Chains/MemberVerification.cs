using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Messaging;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Chains;

/// <summary>
/// One-time codes (手机验证码) that prove a joining neighbour holds the phone. One row per chain and phone in the
/// Members table (partition chainId, keyed by the phone's hash) holds only the code's HMAC, when it was issued, the
/// wrong tries and the hour's send count; every change is conditional on the row's ETag, so the limits hold across
/// instances. The answers never depend on whether the phone belongs to a member.
/// </summary>
public sealed class MemberVerification(ITableStore tables, ChainService chains, IMessageSender sender, byte[] signingKey, int codesPerPhonePerHour,
    TimeProvider clock, ILogger<MemberVerification> logger)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan ResendCooldown = TimeSpan.FromSeconds(60);
    public const int MaxWrongTries = 5;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static string CodeRow(string phone) => "code_" + ChainTables.PhoneRow(phone);

    /// <summary>Sends a fresh code to the phone (member or not); 429 within the cooldown or over the hour's count.</summary>
    public async Task SendCodeAsync(string chainId, string? phone, CancellationToken ct)
    {
        await chains.GetChainAsync(chainId, ct);
        var normalized = Phones.Normalize(phone)
                         ?? throw AppProblem.Validation("phone", string.IsNullOrWhiteSpace(phone) ? "phone is required." : "phone must be a mainland China mobile number, e.g. 13812341234.");
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var row = await tables.GetAsync(ChainTables.Members, chainId, CodeRow(normalized), cancellationToken: ct);
            var windowStart = row?.GetDateTimeOffset("WindowStart");
            var sentInWindow = row?.GetInt32("SentInWindow") ?? 0;
            if (windowStart is null || now - windowStart >= Hour)
            {
                windowStart = now;
                sentInWindow = 0;
            }

            if (sentInWindow >= codesPerPhonePerHour)
            {
                throw Limited($"At most {codesPerPhonePerHour} codes an hour go to one phone.", windowStart.Value + Hour - now);
            }

            if (row?.GetDateTimeOffset("IssuedAt") is { } last && now - last < ResendCooldown)
            {
                throw Limited($"A new code can be requested {ResendCooldown.TotalSeconds:F0} s after the last one.", last + ResendCooldown - now);
            }

            var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            var entity = new TableEntity(chainId, CodeRow(normalized))
            {
                ["Kind"] = "code",
                ["CodeHash"] = Hash(chainId, normalized, code),
                ["IssuedAt"] = now,
                ["WrongTries"] = 0,
                ["WindowStart"] = windowStart,
                ["SentInWindow"] = sentInWindow + 1,
            };
            string etag;
            try
            {
                etag = row is null
                    ? await tables.InsertAsync(ChainTables.Members, entity, ct)
                    : await tables.UpdateAsync(ChainTables.Members, entity, TableUpdateMode.Replace, row.ETag!, ct);
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException && attempt < 5)
            {
                continue; // another request for this phone won the row: re-read and judge again
            }

            logger.LogInformation("Verification code sent to {Phone} for chain {ChainId}", Phones.Mask(normalized), chainId);
            try
            {
                await sender.SendAsync(new OutgoingMessage(chainId, normalized, "verification",
                    $"【社区团购】您的验证码是 {code}，{CodeLifetime.TotalMinutes:F0} 分钟内有效。请勿告诉他人。", code, now), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The code never left: void it and lift the cooldown so the person can ask again at once (the send
                // still counts toward the hour, which bounds retries against a failing gateway).
                logger.LogError(ex, "Sending a verification code to {Phone} for chain {ChainId} failed", Phones.Mask(normalized), chainId);
                entity["CodeHash"] = null;
                entity["IssuedAt"] = null;
                try
                {
                    await tables.UpdateAsync(ChainTables.Members, entity, TableUpdateMode.Replace, etag, CancellationToken.None);
                }
                catch (ConcurrencyException)
                {
                    // a newer request already replaced the row
                }

                throw;
            }

            return;
        }
    }

    /// <summary>
    /// Consumes the phone's code, or throws 400 naming <c>code</c>: missing, wrong, expired, used, or voided after
    /// <see cref="MaxWrongTries"/> wrong tries. A join retried with the same idempotency key and the same code is
    /// accepted again (the first answer may have been lost).
    /// </summary>
    public async Task ConsumeAsync(string chainId, string phone, string code, string? idempotencyKey, CancellationToken ct)
    {
        var trimmed = code.Trim();
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var row = await tables.GetAsync(ChainTables.Members, chainId, CodeRow(phone), cancellationToken: ct);
            var presented = Hash(chainId, phone, trimmed);
            if (row is null)
            {
                throw Wrong();
            }

            var consumedBy = row.GetString("ConsumedBy");
            if (consumedBy is not null)
            {
                if (idempotencyKey is not null && consumedBy == Secrets(idempotencyKey) && Same(row.GetString("ConsumedHash"), presented))
                {
                    return;
                }

                throw Wrong();
            }

            var stored = row.GetString("CodeHash");
            if (stored is null || row.GetDateTimeOffset("IssuedAt") is not { } issued || now - issued > CodeLifetime)
            {
                throw Wrong();
            }

            var right = Same(stored, presented);
            if (right)
            {
                row["CodeHash"] = null;
                row["ConsumedBy"] = Secrets(idempotencyKey ?? "-" + Guid.NewGuid().ToString("N"));
                row["ConsumedHash"] = presented;
            }
            else
            {
                var tries = (row.GetInt32("WrongTries") ?? 0) + 1;
                row["WrongTries"] = tries;
                if (tries >= MaxWrongTries)
                {
                    row["CodeHash"] = null; // voided: a new code is needed
                    logger.LogWarning("Verification code for {Phone} in chain {ChainId} voided after {Tries} wrong tries", Phones.Mask(phone), chainId, tries);
                }
            }

            try
            {
                await tables.UpdateAsync(ChainTables.Members, row, TableUpdateMode.Replace, row.ETag!, ct);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                continue;
            }

            if (!right)
            {
                throw Wrong();
            }

            return;
        }
    }

    public static AppProblem Missing() => AppProblem.Validation("code", "code is required: request one with POST …/members/verification.");

    private static AppProblem Wrong() =>
        AppProblem.Validation("code", "The code is wrong, expired or used; check it, or request a new one.");

    private static AppProblem Limited(string detail, TimeSpan wait) =>
        new(ProblemCodes.RateLimited, "Slow down", $"{detail} Try again in {Math.Max(1, Math.Ceiling(wait.TotalSeconds)):F0} s.") { RetryAfter = wait };

    private string Hash(string chainId, string phone, string code) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes($"member-code:{chainId}:{phone}:{code}")));

    private static string Secrets(string key) => Identity.Secrets.Hash("join-key:" + key)[..32];

    private static bool Same(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
