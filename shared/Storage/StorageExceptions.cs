using Azure;

namespace ServerlessCommerce.Storage;

/// <summary>A storage call the service refused. Subtypes name the cases callers act on.</summary>
public class StorageException : Exception
{
    public StorageException(int status, string? errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public StorageException()
    {
    }

    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; }

    /// <summary>The service's <c>x-ms-error-code</c> (e.g. <c>EntityAlreadyExists</c>), when it sent one.</summary>
    public string? ErrorCode { get; }

    /// <summary>The SDK's error as ours, so callers never depend on the SDK's exception types.</summary>
    internal static StorageException From(RequestFailedException ex, string operation)
    {
        var message = $"{operation} failed: {ex.Status}{(ex.ErrorCode is null ? string.Empty : $" ({ex.ErrorCode})")}";
        return ex.Status switch
        {
            404 => new StorageNotFoundException(ex.Status, ex.ErrorCode, message, ex),
            409 => new StorageConflictException(ex.Status, ex.ErrorCode, message, ex),
            412 => new ConcurrencyException(ex.Status, ex.ErrorCode, message, ex),
            _ => new StorageException(ex.Status, ex.ErrorCode, message, ex),
        };
    }

    /// <summary>
    /// True for an answer from the service (mapped to ours); false for status 0, a request that never got an answer
    /// (network, timeout), which keeps the SDK's exception as it is.
    /// </summary>
    internal static bool IsAnswer(RequestFailedException ex) => ex.Status != 0;
}

/// <summary>404: the table, entity, blob, container, queue or message does not exist.</summary>
public sealed class StorageNotFoundException(int status, string? errorCode, string message, Exception? innerException = null)
    : StorageException(status, errorCode, message, innerException);

/// <summary>409: the thing already exists (insert of an existing key, container or queue being created).</summary>
public sealed class StorageConflictException(int status, string? errorCode, string message, Exception? innerException = null)
    : StorageException(status, errorCode, message, innerException);

/// <summary>412: the ETag sent with If-Match is stale — someone else wrote first. Re-read and decide again.</summary>
public sealed class ConcurrencyException(int status, string? errorCode, string message, Exception? innerException = null)
    : StorageException(status, errorCode, message, innerException);
