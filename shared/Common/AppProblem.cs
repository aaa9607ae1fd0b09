namespace ServerlessCommerce.Common;

/// <summary>The fixed problem codes of API.md; each maps to one HTTP status.</summary>
public static class ProblemCodes
{
    public const string Validation = "validation";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not-found";
    public const string SoldOut = "sold-out";
    public const string MemberLimit = "member-limit";
    public const string NotLive = "not-live";
    public const string InvalidTransition = "invalid-transition";
    public const string IdempotencyConflict = "idempotency-conflict";
    public const string AlreadyVoted = "already-voted";
    public const string AlreadySubmitted = "already-submitted";
    public const string WrongPickupCode = "wrong-pickup-code";
    public const string AlreadyPickedUp = "already-picked-up";
    public const string ReportNotReady = "report-not-ready";
    public const string MemberExists = "member-exists";
    public const string PriceChanged = "price-changed";
    public const string RateLimited = "rate-limited";
    public const string TooLarge = "too-large";

    /// <summary>412: the If-Match sent names a version that is no longer current (someone else edited first).</summary>
    public const string PreconditionFailed = "precondition-failed";

    /// <summary>400: no sign-up of the gathering has this check-in code (gatherings).</summary>
    public const string WrongCheckInCode = "wrong-check-in-code";

    public static int StatusOf(string code) => code switch
    {
        Validation or WrongPickupCode or WrongCheckInCode => 400,
        Unauthorized => 401,
        Forbidden => 403,
        NotFound => 404,
        PreconditionFailed => 412,
        TooLarge => 413,
        RateLimited => 429,
        _ => 409,
    };
}

/// <summary>
/// A refusal a person can act on. The single exception type the domain and application layers throw for client
/// mistakes; one handler at the edge turns it into problem+json (RFC 9457) with <see cref="Code"/>.
/// </summary>
public sealed class AppProblem : Exception
{
    public AppProblem(string code, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(detail)
    {
        Code = code;
        Title = title;
        Errors = errors;
    }

    public AppProblem()
        : this(ProblemCodes.Validation, "Invalid request", "The request is not valid.")
    {
    }

    public AppProblem(string message)
        : this(ProblemCodes.Validation, "Invalid request", message)
    {
    }

    public AppProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ProblemCodes.Validation;
        Title = "Invalid request";
    }

    public string Code { get; }

    public string Title { get; }

    public int Status => ProblemCodes.StatusOf(Code);

    /// <summary>Field → messages, for validation problems.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    /// <summary>Extension members of the problem body (RFC 9457 §3.2), e.g. the prices that hold now for <c>price-changed</c>.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    /// <summary>How long to wait before retrying (rate limits).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static AppProblem Validation(string field, string message) =>
        new(ProblemCodes.Validation, "The request has invalid fields", message, new Dictionary<string, string[]> { [field] = [message] });

    public static AppProblem Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(ProblemCodes.Validation, "The request has invalid fields",
            string.Join(" ", errors.SelectMany(e => e.Value)), errors);

    public static AppProblem NotFound(string what, string id) =>
        new(ProblemCodes.NotFound, $"No such {what}", $"There is no {what} with id '{Truncate(id)}' that you can see.");

    public static AppProblem Unauthorized(string detail) => new(ProblemCodes.Unauthorized, "Sign-in required", detail);

    public static AppProblem Forbidden(string detail) => new(ProblemCodes.Forbidden, "Not allowed", detail);

    public static AppProblem Conflict(string code, string title, string detail) => new(code, title, detail);

    public static AppProblem TooLarge(string detail) => new(ProblemCodes.TooLarge, "Too large", detail);

    private static string Truncate(string id) => id.Length > 80 ? id[..80] + "…" : id;
}

/// <summary>Collects field errors, then throws one validation problem listing all of them.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public Validator Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    /// <summary>Trims the text and checks it is present and within length; returns the trimmed value.</summary>
    public string Text(string field, string? value, int maxLength, int minLength = 1)
    {
        var trimmed = value?.Trim() ?? string.Empty;
        if (trimmed.Length < minLength)
        {
            Add(field, $"{field} is required.");
        }
        else if (IsInvisible(trimmed))
        {
            Add(field, $"{field} is empty: it has no visible characters (only spaces or zero-width characters).");
        }
        else if (trimmed.Length > maxLength)
        {
            Add(field, $"{field} must be at most {maxLength} characters (got {trimmed.Length}).");
        }
        else if (trimmed.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            Add(field, $"{field} contains control characters.");
        }

        return trimmed;
    }

    /// <summary>Like <see cref="Text"/> but absent is fine.</summary>
    public string? OptionalText(string field, string? value, int maxLength) =>
        string.IsNullOrWhiteSpace(value) ? null : Text(field, value, maxLength);

    /// <summary>
    /// True when no character of <paramref name="text"/> shows: only white space, zero-width and other format
    /// characters (U+200B–U+200F, U+2060, U+FEFF, …) or controls. Such a name or comment reads as empty.
    /// </summary>
    public static bool IsInvisible(string text) =>
        text.All(c => char.IsWhiteSpace(c) || char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format);

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw AppProblem.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
