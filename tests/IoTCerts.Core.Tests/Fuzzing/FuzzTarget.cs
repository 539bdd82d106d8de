using System.Diagnostics;

namespace IoTCerts.Core.Tests.Fuzzing;

/// <summary>An exception other than <see cref="MaterialException"/> escaped from the package (issue 17's "foreign exception").</summary>
internal sealed class ForeignException(string call, Exception inner) : Exception($"{inner.GetType().Name} escaped from {call}: {inner.Message}", inner)
{
    public string Call { get; } = call;
}

/// <summary>
/// Feeds one input through every public way in: MaterialLoader (without and with a password), Certificate /
/// CertificationRequest / CertificateRevocationList / DistinguishedName / SubjectPublicKeyInfo parsing, every public
/// property of what parsed, key matching, and ChainValidator.Validate with what parsed as anchors, intermediates and
/// leaf. Only <see cref="MaterialException"/> may come out; anything else is a <see cref="ForeignException"/>.
/// </summary>
internal static class FuzzTarget
{
    /// <summary>Small KDF limits keep a fuzz case cheap; the limits themselves are what is exercised.</summary>
    private static readonly MaterialLimits s_limits = new()
    {
        MaxKdfIterations = 5_000,
        MaxKdfIterationsPerInput = 20_000,
        MaxKdfIterationsWithoutPassword = 10_000,
        MaxPkcs12MacIterations = 5_000,
    };

    private static readonly DateTimeOffset s_at = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Runs the input; returns how many of the calls accepted it.</summary>
    /// <exception cref="ForeignException">Something other than <see cref="MaterialException"/> escaped.</exception>
    public static int Run(byte[] data)
    {
        var accepted = 0;
        var certificates = new List<Certificate>();
        accepted += Call("MaterialLoader.Load", () => Use(MaterialLoader.Load(data, new LoadOptions { Limits = s_limits }), certificates));
        accepted += Call("MaterialLoader.Load(password)", () => Use(MaterialLoader.Load(data, new LoadOptions { Password = "pw", Limits = s_limits }), certificates));
        accepted += Call("Certificate.Parse", () =>
        {
            var certificate = Certificate.Parse(data);
            Touch(certificate);
            certificates.Add(certificate);
        });
        accepted += Call("Certificate.TryParse", () =>
        {
            var parsed = Certificate.TryParse(data, out var certificate, out var error);
            var requestParsed = CertificationRequest.TryParse(data, out _, out _);
            var crlParsed = CertificateRevocationList.TryParse(data, out _, out _);
            if (parsed != Succeeds(() => Certificate.Parse(data))
                || requestParsed != Succeeds(() => CertificationRequest.Parse(data))
                || crlParsed != Succeeds(() => CertificateRevocationList.Parse(data)))
            {
                // TryParse's early refusal must never refuse what Parse accepts (nor the other way round).
                throw new InvalidOperationException($"TryParse and Parse disagree (TryParse {parsed}: {error?.Message})");
            }

            if (certificate is not null)
            {
                Touch(certificate);
            }
        });
        accepted += Call("CertificationRequest.Parse", () => Touch(CertificationRequest.Parse(data)));
        accepted += Call("CertificateRevocationList.Parse", () => Touch(CertificateRevocationList.Parse(data)));
        accepted += Call("DistinguishedName.Parse", () => _ = DistinguishedName.Parse(data).Rfc4514Name + DistinguishedName.Parse(data).CommonName);
        accepted += Call("SubjectPublicKeyInfo.Parse", () =>
        {
            var key = SubjectPublicKeyInfo.Parse(data);
            _ = key.ToString() + key.AlgorithmOid + key.CurveName + key.BoundsViolation;
        });
        if (certificates.Count > 0)
        {
            accepted += Call("ChainValidator.Validate", () => Validate(certificates));
        }

        return accepted;
    }

    private static bool Succeeds(Action parse)
    {
        try
        {
            parse();
            return true;
        }
        catch (MaterialException)
        {
            return false;
        }
    }

    private static int Call(string call, Action action)
    {
        try
        {
            action();
            return 1;
        }
        catch (MaterialException)
        {
            return 0;
        }
        catch (Exception ex)
        {
            throw new ForeignException(call, ex);
        }
    }

    private static void Use(LoadedMaterial material, List<Certificate> certificates)
    {
        _ = material.Format.ToString() + material.IsEmpty + material.Skipped.Count;
        foreach (var origin in material.CertificateOrigins)
        {
            _ = origin.ToString();
        }

        foreach (var certificate in material.Certificates)
        {
            Touch(certificate);
            certificates.Add(certificate);
        }

        foreach (var key in material.PrivateKeys)
        {
            _ = key.ToString() + key.Algorithm + key.KeySize + key.CurveName + key.Origin;
            _ = material.CertificateFor(key);
            foreach (var request in material.CertificationRequests)
            {
                _ = KeyMatch.MatchesSubjectPublicKeyInfo(key, request.PublicKey.RawData.Span);
            }
        }

        foreach (var request in material.CertificationRequests)
        {
            Touch(request);
        }

        foreach (var crl in material.Crls)
        {
            Touch(crl);
        }
    }

    private static void Validate(List<Certificate> certificates)
    {
        var leaf = certificates[0];
        var validator = new ChainValidator(certificates.Count > 1 ? certificates.Skip(1).Take(4) : certificates);
        var result = validator.Validate(leaf, certificates, new ValidationContext { ValidationTime = s_at, Purpose = CertificatePurpose.ClientAuth });
        _ = result.IsValid + string.Join("; ", result.Errors.Select(e => e.Status.ToCode() + e.Message));
        var selfAnchored = new ChainValidator([leaf]).Validate(leaf, [], new ValidationContext { ValidationTime = s_at });
        _ = selfAnchored.Errors.Count;
    }

    /// <summary>Reads every lazily decoded property: an accepted object must never fail later.</summary>
    internal static void Touch(Certificate certificate)
    {
        _ = certificate.Subject.Rfc4514Name + certificate.Issuer.Rfc4514Name + certificate.SerialNumberHex + certificate.Sha256Thumbprint;
        _ = certificate.Subject.CommonName + certificate.ToString();
        _ = certificate.SignatureAlgorithm.FriendlyName + certificate.TbsSignatureAlgorithm.PssParameters + certificate.SignatureAlgorithm.HashAlgorithm;
        _ = certificate.PublicKey.ToString() + certificate.PublicKey.CurveName + certificate.PublicKey.KeySize + certificate.PublicKey.AlgorithmOid;
        _ = certificate.Extensions.Select(e => e.FriendlyName + e.Oid).ToList();
        _ = certificate.BasicConstraints?.ToString() + certificate.KeyUsage + certificate.SubjectKeyIdentifier?.Length;
        _ = certificate.ExtendedKeyUsages?.Count;
        _ = certificate.AuthorityKeyIdentifier?.AuthorityCertIssuer.Select(n => n.ToString()).ToList();
        _ = certificate.SubjectAlternativeNames?.Select(n => n.ToString()).ToList();
        _ = certificate.IssuerAlternativeNames?.Select(n => n.ToString()).ToList();
        _ = certificate.CrlDistributionPointUris.ToList();
        _ = certificate.CrlDistributionPoints?.Select(p => p.CrlIssuer.Count + p.Reasons.ToString()).ToList();
        _ = certificate.OcspUris.Concat(certificate.CaIssuersUris).ToList();
        _ = certificate.NameConstraints?.PermittedSubtrees.Concat(certificate.NameConstraints.ExcludedSubtrees).Select(s => s.Base.ToString()).ToList();
        _ = certificate.CertificatePolicies?.SelectMany(p => p.Qualifiers).Select(q => q.CpsUri).ToList();
        _ = certificate.IsSignatureValid(certificate.PublicKey);
    }

    internal static void Touch(CertificationRequest request)
    {
        _ = request.Subject.Rfc4514Name + request.PublicKey + request.SignatureAlgorithm + request.ChallengePassword;
        _ = request.Attributes.Count + request.Extensions.Count + request.ExtendedKeyUsages?.Count + request.SubjectAlternativeNames?.Count;
        _ = request.VerifySignature();
    }

    internal static void Touch(CertificateRevocationList crl)
    {
        _ = crl.Issuer.Rfc4514Name + crl.SignatureAlgorithm + crl.CrlNumber + crl.DeltaCrlIndicator;
        _ = crl.AuthorityKeyIdentifier?.KeyIdentifier;
        _ = crl.IssuingDistributionPoint?.FullName.Count;
        _ = crl.Extensions.Count;
        var seen = 0;
        foreach (var entry in crl.RevokedCertificates)
        {
            _ = entry.SerialNumberHex + entry.Reason + entry.Extensions.Count + entry.InvalidityDate + entry.CertificateIssuer?.Count;
            _ = crl.TryGetRevoked(entry.SerialNumber, out _);
            if (++seen > 64)
            {
                break;
            }
        }
    }

    /// <summary>Shrinks a failing input by removing chunks while the same call still throws the same exception type.</summary>
    public static byte[] Minimize(byte[] input, ForeignException failure, TimeSpan budget)
    {
        var watch = Stopwatch.StartNew();
        var best = input;
        for (var chunk = Math.Max(1, best.Length / 2); chunk >= 1 && watch.Elapsed < budget; chunk /= 2)
        {
            for (var at = 0; at + chunk <= best.Length && watch.Elapsed < budget;)
            {
                byte[] candidate = [.. best[..at], .. best[(at + chunk)..]];
                if (StillFails(candidate, failure))
                {
                    best = candidate;
                }
                else
                {
                    at += chunk;
                }
            }
        }

        return best;
    }

    private static bool StillFails(byte[] candidate, ForeignException failure)
    {
        try
        {
            Run(candidate);
            return false;
        }
        catch (ForeignException other)
        {
            return other.Call == failure.Call && other.InnerException?.GetType() == failure.InnerException?.GetType();
        }
    }
}
