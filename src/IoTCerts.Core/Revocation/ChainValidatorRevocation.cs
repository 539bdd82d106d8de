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
    /// validates with them. Without an online checker this is the synchronous validation.
    /// </summary>
    public static async Task<ChainValidationResult> ValidateAsync(this ChainValidator validator, Certificate endEntity,
        IEnumerable<Certificate>? untrustedIntermediates, ValidationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validator);
        var intermediates = untrustedIntermediates?.ToList();
        var result = validator.Validate(endEntity, intermediates, context);
        if (validator.RevocationChecker is not CrlRevocationChecker { Fetcher: { } fetcher } checker)
        {
            return result;
        }

        for (var round = 0; round < MaxRounds && (result.IsValid || result.Errors.Any(e => IsRevocationStatus(e.Status))); round++)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < result.Chain.Count - 1; i++)
            {
                var certificate = result.Chain[i];
                if (checker.Policy.Scope == RevocationScope.EndEntityOnly && certificate.BasicConstraints is { IsCertificateAuthority: true })
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

            if (missing.Count == 0)
            {
                break;
            }

            await Task.WhenAll(missing.Select(uri => fetcher.FetchAsync(uri, cancellationToken))).ConfigureAwait(false);
            result = validator.Validate(endEntity, intermediates, context);
        }

        return result;
    }

    private static bool IsRevocationStatus(ChainStatus status) => status is ChainStatus.RevocationStatusUnknown or ChainStatus.OfflineRevocation
        or ChainStatus.CrlNotTimeValid or ChainStatus.CrlNotSignatureValid;
}
