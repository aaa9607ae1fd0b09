namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// One storage read shared by every caller for a while: within <c>maxAge</c> of a read, callers get its result (or
/// await it while it runs), so a thousand pages asking at once cost one read. A read that failed or was cancelled is
/// not kept: the next caller reads again.
/// </summary>
internal sealed class SharedRead<T>
{
    private DateTimeOffset _readAt;
    private Task<T>? _read;

    public Task<T> GetAsync(DateTimeOffset now, TimeSpan maxAge, Func<Task<T>> read, CancellationToken ct)
    {
        Task<T> current;
        lock (this)
        {
            if (_read is null || now - _readAt >= maxAge || _read.IsFaulted || _read.IsCanceled)
            {
                _readAt = now;
                _read = read();
            }

            current = _read;
        }

        return current.WaitAsync(ct);
    }
}
