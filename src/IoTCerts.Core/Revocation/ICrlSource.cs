using System.Diagnostics.CodeAnalysis;

namespace IoTCerts.Core;

/// <summary>
/// Where fetched CRLs come from: Core's <see cref="CrlRevocationChecker"/> reads it in online mode and the
/// platform profiles ask it for a CA's CRLs, but Core does no network I/O itself. IoTCerts.Revocation.Online's
/// <c>CrlFetcher</c> implements it over HTTP; a test or an offline mirror can implement it too.
/// </summary>
public interface ICrlSource
{
    /// <summary>The cached, unexpired result for <paramref name="uri"/>, without any I/O (the validation path calls it).</summary>
    bool TryGetCached(string uri, [NotNullWhen(true)] out CrlFetchResult? result);

    /// <summary>The CRL at <paramref name="uri"/>, fetched when it is not cached. Network and content problems are results, not exceptions.</summary>
    /// <exception cref="ArgumentException">The URI is not one <see cref="CrlLocations.IsFetchable"/> accepts.</exception>
    Task<CrlFetchResult> FetchAsync(string uri, CancellationToken cancellationToken = default);
}

/// <summary>Which CRL distribution points are fetched online.</summary>
public static class CrlLocations
{
    /// <summary>True for an absolute http or https URI (R-13; LDAP and file locations are not fetched).</summary>
    public static bool IsFetchable(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps);
}
