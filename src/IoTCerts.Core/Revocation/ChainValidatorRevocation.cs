namespace IoTCerts.Core;

/// <summary>Validation with online revocation: fetch the CRLs a chain needs, then validate .</summary>
public static class ChainValidatorRevocation
{
    // A path search may pick another chain once revocation data arrives; a few rounds settle it.
    private const int MaxRounds = 3;

    /// <summary>
    /// Validates like <see cref="ChainValidator.Validate(Certificate, IEnumerable{Certificate}?, ValidationContext)"/>; when the
    /// validator's checker is an online <see cref="CrlRevocationChecker"/>, first fetches (through its
    /// <see cref="ICrlSource"/>, sharing downloads and the cache) the CRLs named by the certificates of the chain, then
    /// validates with them. When the checker is an <see cref="OcspRevocationChecker"/>, first asks its
    /// <see cref="IOcspSource"/> about each certificate of the chain (and, with a CRL fallback, fetches the CRLs of the
    /// certificates OCSP gave no verified answer for). Without an online checker this is the synchronous validation.
    /// </summary>
    public static async Task<ChainValidationResult> ValidateAsync(this ChainValidator validator, Certificate endEntity,
        IEnumerable<Certificate>? untrustedIntermediates, ValidationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validator);
        var intermediates = untrustedIntermediates?.ToList();
        var result = validator.Validate(endEntity, intermediates, context);
        var (crlChecker, ocspChecker) = validator.RevocationChecker switch
        {
            CrlRevocationChecker crl => (crl, (OcspRevocationChecker?)null),
            OcspRevocationChecker ocsp => (ocsp.CrlFallback, ocsp),
            _ => (null, null),
        };
        var fetcher = crlChecker?.Fetcher;
        if (fetcher is null && ocspChecker is null)
        {
            return result;
        }

        for (var round = 0; round < MaxRounds && (result.IsValid || result.Errors.Any(e => IsRevocationStatus(e.Status))); round++)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var queries = new List<Task>();
            for (var i = 0; i < result.Chain.Count - 1; i++)
            {
                var certificate = result.Chain[i];
                var isCa = certificate.BasicConstraints is { IsCertificateAuthority: true };
                if (ocspChecker is not null && !(ocspChecker.Scope == RevocationScope.EndEntityOnly && isCa)
                    && !ocspChecker.Source.TryGetCached(certificate, result.Chain[i + 1], out _))
                {
                    queries.Add(ocspChecker.Source.FetchAsync(certificate, result.Chain[i + 1], cancellationToken));
                }

                // With OCSP first, CRLs are fetched only for certificates whose OCSP answer is not usable.
                if (fetcher is null || (crlChecker!.Policy.Scope == RevocationScope.EndEntityOnly && isCa)
                    || (ocspChecker is not null && !NeedsCrl(ocspChecker, certificate, result.Chain[i + 1])))
                {
                    continue;
                }

                foreach (var uri in certificate.CrlDistributionPointUris)
                {
                    if (CrlLocations.IsFetchable(uri) && !fetcher.TryGetCached(uri, out _))
                    {
                        missing.Add(uri);
                    }
                }
            }

            if (missing.Count == 0 && queries.Count == 0)
            {
                break;
            }

            queries.AddRange(missing.Select(uri => (Task)fetcher!.FetchAsync(uri, cancellationToken)));
            await Task.WhenAll(queries).ConfigureAwait(false);
            result = validator.Validate(endEntity, intermediates, context);
        }

        return result;
    }

    // The CRL fallback is needed once OCSP has been asked and gave no verified answer for this certificate.
    private static bool NeedsCrl(OcspRevocationChecker checker, Certificate certificate, Certificate issuer) =>
        checker.Source.TryGetCached(certificate, issuer, out var answer) && !answer.IsVerified;

    private static bool IsRevocationStatus(ChainStatus status) => status is ChainStatus.RevocationStatusUnknown or ChainStatus.OfflineRevocation
        or ChainStatus.CrlNotTimeValid or ChainStatus.CrlNotSignatureValid;
}
