using Azure;
using Azure.Core;

namespace ServerlessCommerce.Storage;

/// <summary>A storage call the service refused. Subtypes name the cases callers act on.</summary>
public class StorageException : Exception
{
    public StorageException(int status, string? errorCode, string message)
        : base(message)
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

    internal static StorageException FromResponse(Response response, string operation)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var code);
        var message = $"{operation} failed: {response.Status} {response.ReasonPhrase}{(code is null ? string.Empty : $" ({code})")}";
        return response.Status switch
        {
            404 => new StorageNotFoundException(response.Status, code, message),
            409 => new StorageConflictException(response.Status, code, message),
            412 => new ConcurrencyException(response.Status, code, message),
            _ => new StorageException(response.Status, code, message),
        };
    }
}

/// <summary>404: the table, entity, blob, container, queue or message does not exist.</summary>
public sealed class StorageNotFoundException(int status, string? errorCode, string message)
    : StorageException(status, errorCode, message);

/// <summary>409: the thing already exists (insert of an existing key, container or queue being created).</summary>
public sealed class StorageConflictException(int status, string? errorCode, string message)
    : StorageException(status, errorCode, message);

/// <summary>412: the ETag sent with If-Match is stale — someone else wrote first. Re-read and decide again.</summary>
public sealed class ConcurrencyException(int status, string? errorCode, string message)
    : StorageException(status, errorCode, message);

internal static class ResponseExtensions
{
    public static Response EnsureSuccess(this Response response, string operation) =>
        response.Status is >= 200 and < 300 ? response : throw StorageException.FromResponse(response, operation);

    public static string? ETagHeader(this Response response) =>
        response.Headers.TryGetValue("ETag", out var etag) ? etag : null;

    public static RequestUriBuilder Clone(this Uri uri)
    {
        var b = new RequestUriBuilder();
        b.Reset(uri);
        return b;
    }
}
