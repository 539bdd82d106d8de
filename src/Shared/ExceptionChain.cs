namespace IoTCerts;

/// <summary>
/// Walks an exception's inner exceptions (linked source, internal to each package that needs it): the HTTP-based
/// clients use it to tell a TLS authentication failure wrapped in an <see cref="System.Net.Http.HttpRequestException"/>
/// from other transport failures.
/// </summary>
internal static class ExceptionChain
{
    /// <summary>Whether any inner exception (not the exception itself) is a <typeparamref name="T"/>.</summary>
    public static bool HasInner<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }
}
