using System.Globalization;

namespace IoTCerts.Core;

/// <summary>
/// Checks revocation with CRLs (R-13, RFC 5280 §6.3): CRLs handed in (offline) and, in online mode, the ones a
/// <see cref="ICrlSource"/> (IoTCerts.Revocation.Online's <c>CrlFetcher</c>) has fetched from the certificate's distribution points. A CRL counts only when it is
/// the issuer's (same name, signature verified with the issuer's key, cRLSign allowed), fresh at the validation
/// time, complete (cRLNumber, no unknown critical extension) and in scope (issuingDistributionPoint); delta CRLs
/// handed in are applied on top of their base. Thread-safe; what it learns about a CRL is kept with the CRL.
/// </summary>
/// <remarks>
/// The checker does no I/O: in online mode it reads the fetcher's cache, and <see cref="ChainValidatorRevocation.ValidateAsync"/>
/// fills that cache for the certificates of the chain before the validation that counts.
/// </remarks>
public sealed class CrlRevocationChecker : IRevocationChecker
{
    private readonly Dictionary<ReadOnlyMemory<byte>, List<CertificateRevocationList>> _byIssuer = new(RawNameComparer.Instance);
    private readonly bool _hasDeltas;

    /// <summary>Creates a checker.</summary>
    /// <param name="policy">The revocation policy; its mode must be <see cref="RevocationMode.Offline"/> or <see cref="RevocationMode.Online"/>.</param>
    /// <param name="crls">CRLs handed in (complete and delta); used in both modes.</param>
    /// <param name="fetcher">The fetcher whose cache is read; required in online mode, refused in offline mode.</param>
    /// <exception cref="ArgumentException">The combination is impossible (mode None, online without a fetcher, offline with one).</exception>
    public CrlRevocationChecker(RevocationPolicy policy, IEnumerable<CertificateRevocationList>? crls = null, ICrlSource? fetcher = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        switch (policy.Mode)
        {
            case RevocationMode.None:
                throw new ArgumentException("revocation mode None needs no checker: create the ChainValidator without one", nameof(policy));
            case RevocationMode.Online when fetcher is null:
                throw new ArgumentException("online revocation needs a CRL source (IoTCerts.Revocation.Online's CrlFetcher)", nameof(fetcher));
            case RevocationMode.Offline when fetcher is not null:
                throw new ArgumentException("offline revocation must not fetch: use RevocationMode.Online with a fetcher", nameof(fetcher));
        }

        Policy = policy;
        Fetcher = fetcher;
        var list = new List<CertificateRevocationList>();
        foreach (var crl in crls ?? [])
        {
            ArgumentNullException.ThrowIfNull(crl, nameof(crls));
            list.Add(crl);
            // CRL scope by issuer name under RFC 5280 §7.1 (canonical form), as chaining compares names.
            var issuerKey = NameComparison.Canonical(crl.Issuer.RawData.Span);
            if (!_byIssuer.TryGetValue(issuerKey, out var sameIssuer))
            {
                _byIssuer[issuerKey] = sameIssuer = [];
            }

            sameIssuer.Add(crl);
            _hasDeltas |= crl.IsDeltaCrl;
        }

        Crls = list;
    }

    /// <summary>The policy.</summary>
    public RevocationPolicy Policy { get; }

    /// <summary>The fetcher (online mode), or null.</summary>
    public ICrlSource? Fetcher { get; }

    /// <summary>The CRLs handed in.</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get; }

    // Every reason of RFC 5280 §5.3.1 that a CRL can cover (the unused bit 0 is not a reason).
    private const RevocationReasons AllReasons = RevocationReasons.KeyCompromise | RevocationReasons.CACompromise | RevocationReasons.AffiliationChanged
        | RevocationReasons.Superseded | RevocationReasons.CessationOfOperation | RevocationReasons.CertificateHold | RevocationReasons.PrivilegeWithdrawn
        | RevocationReasons.AACompromise;

    /// <inheritdoc/>
    public RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime) =>
        Check(certificate, issuer, validationTime, crlSigners: null);

    /// <summary>
    /// Checks with a way to find the CRL issuer's certificate when the CRL is not signed by the certificate's issuer
    /// certificate (RFC 5280 §6.3.3 (f): key rollover, a separate CRL-signing certificate): <paramref name="crlSigners"/>
    /// returns a certificate with the CRL issuer's name whose key verifies the CRL and whose own path validates to
    /// the same trust anchor, or null.
    /// </summary>
    internal RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime, Func<CertificateRevocationList, Certificate?>? crlSigners)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var isCa = certificate.BasicConstraints is { IsCertificateAuthority: true };
        if (Policy.Scope == RevocationScope.EndEntityOnly && isCa)
        {
            return RevocationCheckResult.Good;
        }

        var result = Evaluate(certificate, issuer, isCa, validationTime, crlSigners);
        return result.Status is RevocationStatus.Good or RevocationStatus.Revoked || Policy.UnknownStatus == UnknownRevocationStatus.Deny
            ? result
            : RevocationCheckResult.Good;
    }

    private RevocationCheckResult Evaluate(Certificate certificate, Certificate issuer, bool isCa, DateTimeOffset at, Func<CertificateRevocationList, Certificate?>? crlSigners)
    {
        var problems = new Problems();
        var canonicalIssuer = NameComparison.Canonical(certificate.IssuerRaw.Span);
        _byIssuer.TryGetValue(canonicalIssuer, out var handedIn);
        if (IndirectCrlsFor(certificate) is { } indirect)
        {
            // RFC 5280 §6.3.3 (b)(1): a distribution point's cRLIssuer names the issuer of an indirect CRL.
            handedIn = [.. handedIn ?? [], .. indirect];
        }

        var handedInCount = handedIn?.Count ?? 0;
        List<CertificateRevocationList>? fetchedCrls = null;
        if (Fetcher is not null)
        {
            foreach (var uri in certificate.CrlDistributionPointUris)
            {
                if (!CrlLocations.IsFetchable(uri))
                {
                    continue;
                }

                if (!Fetcher.TryGetCached(uri, out var fetched))
                {
                    problems.Note(RevocationStatus.Unknown, $"the CRL at {uri} has not been fetched yet (validate with ValidateAsync)");
                }
                else if (fetched.Crl is { } crl)
                {
                    if (NameComparison.Canonical(crl.Issuer.RawData.Span).AsSpan().SequenceEqual(canonicalIssuer))
                    {
                        (fetchedCrls ??= []).Add(crl);
                    }
                    else
                    {
                        problems.Note(RevocationStatus.Unknown, $"the CRL at {uri} is issued by \"{crl.Issuer.Rfc4514Name}\", not by the certificate's issuer");
                    }
                }
                else
                {
                    problems.Note(fetched.IsUnreachable ? RevocationStatus.Unreachable : RevocationStatus.Unknown, fetched.Message);
                }
            }
        }

        // Handed-in CRLs first, then fetched ones; no list is built on the offline path (it runs once per certificate).
        var total = handedInCount + (fetchedCrls?.Count ?? 0);
        CertificateRevocationList? complete = null;
        RevokedCertificate? revokedEntry = null;

        // RFC 5280 §6.3.3 (d)/(j): reasons_mask, the revocation reasons the usable CRLs cover together; CRLs
        // partitioned by reason (onlySomeReasons) count only for theirs, and the status is known once all are covered.
        var covered = RevocationReasons.None;
        for (var k = 0; k < total; k++)
        {
            var crl = k < handedInCount ? handedIn![k] : fetchedCrls![k - handedInCount];
            var facts = CrlFacts.Of(crl);
            if (facts.IsDelta || !IsUsable(facts, certificate, issuer, isCa, at, crlSigners, ref problems, out var partial))
            {
                continue;
            }

            // A hold on a complete CRL may have been lifted by a delta CRL (removeFromCRL, §5.2.4): decided below.
            if (FindEntry(crl, certificate, canonicalIssuer) is { } entry && entry.Reason != CrlReason.RemoveFromCrl
                && !(entry.Reason == CrlReason.CertificateHold && _hasDeltas && !partial))
            {
                revokedEntry = entry;
                complete = crl;
                break;
            }

            if (partial)
            {
                covered |= facts.IssuingDistributionPoint!.OnlySomeReasons!.Value & AllReasons;
                continue;
            }

            covered = AllReasons;
            if (complete is null || CrlFacts.Of(complete).CrlNumber < facts.CrlNumber)
            {
                complete = crl;
            }
        }

        if (revokedEntry is not null)
        {
            return RevocationCheckResult.Revoked(Describe(revokedEntry));
        }

        if (covered != AllReasons)
        {
            if (covered != RevocationReasons.None)
            {
                problems.Note(RevocationStatus.Unknown, $"the CRLs found cover only some revocation reasons ({covered}); the others ({AllReasons & ~covered}) are not covered (RFC 5280 §6.3.3 (j))");
            }

            return problems.Result(total == 0 && !problems.Any ? NoCrl(certificate) : null);
        }

        if (complete is null)
        {
            // Reason-partitioned CRLs that together cover every reason, none listing the certificate.
            return RevocationCheckResult.Good;
        }

        if (revokedEntry is null && _hasDeltas)
        {
            revokedEntry = ApplyDeltas(CrlFacts.Of(complete), certificate, issuer, isCa, at, crlSigners);
        }

        return revokedEntry is null ? RevocationCheckResult.Good : RevocationCheckResult.Revoked(Describe(revokedEntry));
    }

    // RFC 5280 §5.2.4: a delta lists changes since its base; removeFromCRL takes a held certificate off the list.
    private RevokedCertificate? ApplyDeltas(CrlFacts complete, Certificate certificate, Certificate issuer, bool isCa, DateTimeOffset at, Func<CertificateRevocationList, Certificate?>? crlSigners)
    {
        if (!_byIssuer.TryGetValue(NameComparison.Canonical(certificate.IssuerRaw.Span), out var sameIssuer))
        {
            return null;
        }

        CrlFacts? newest = null;
        foreach (var crl in sameIssuer)
        {
            var facts = CrlFacts.Of(crl);
            var ignored = default(Problems);
            if (facts.IsDelta && facts.BaseCrlNumber <= complete.CrlNumber && facts.CrlNumber > complete.CrlNumber
                && IsUsable(facts, certificate, issuer, isCa, at, crlSigners, ref ignored, out _) && (newest is null || newest.CrlNumber < facts.CrlNumber))
            {
                newest = facts;
            }
        }

        var canonicalIssuer = NameComparison.Canonical(certificate.IssuerRaw.Span);
        if (newest is not null && FindEntry(newest.Crl, certificate, canonicalIssuer) is { } deltaEntry)
        {
            return deltaEntry.Reason == CrlReason.RemoveFromCrl ? null : deltaEntry;
        }

        var entry = FindEntry(complete.Crl, certificate, canonicalIssuer);
        return entry is { Reason: not CrlReason.RemoveFromCrl } ? entry : null;
    }

    private bool IsUsable(CrlFacts facts, Certificate certificate, Certificate issuer, bool isCa, DateTimeOffset at, Func<CertificateRevocationList, Certificate?>? crlSigners, ref Problems problems, out bool partial)
    {
        partial = false;
        if (facts.Unusable is { } why)
        {
            problems.Note(RevocationStatus.Unknown, $"the CRL from \"{facts.Crl.Issuer.Rfc4514Name}\" cannot be used: {why}");
            return false;
        }

        // RFC 5280 §6.3.3 (b)(1): a CRL from another issuer than the certificate's is usable only as an indirect CRL
        // (indirectCRL set) that a distribution point of the certificate names in its cRLIssuer.
        if (!NameComparison.NamesEqual(facts.Crl.Issuer.RawData.Span, certificate.IssuerRaw.Span)
            && (facts.IssuingDistributionPoint is not { IndirectCrl: true } || !NamedAsCrlIssuer(certificate, facts.Crl)))
        {
            problems.Note(RevocationStatus.Unknown, $"the CRL from \"{facts.Crl.Issuer.Rfc4514Name}\" is not an indirect CRL named by the certificate's cRLIssuer (RFC 5280 §6.3.3 (b)(1))");
            return false;
        }

        // RFC 5280 §6.3.3 (b)(2): a partitioned CRL covers only the certificates its issuingDistributionPoint names.
        if (facts.IssuingDistributionPoint is { } idp)
        {
            if ((idp.OnlyContainsUserCerts && isCa) || (idp.OnlyContainsCACerts && !isCa) || !SameDistributionPoint(idp, certificate))
            {
                problems.Note(RevocationStatus.Unknown, "the CRL from \"" + facts.Crl.Issuer.Rfc4514Name + "\" does not cover this certificate (issuingDistributionPoint scope)");
                return false;
            }

            partial = idp.OnlySomeReasons is not null;
        }

        // RFC 5280 §6.3.3 (f): the CRL issuer's keyUsage, when present, must allow cRLSign, and its key must verify the
        // CRL. The certificate's issuer usually is the CRL issuer; otherwise (key rollover, a separate CRL-signing
        // certificate) the CRL issuer's own path is built and validated to the same trust anchor.
        var issuerMaySign = issuer.KeyUsage is not { } usage || (usage & KeyUsage.CrlSign) != 0;
        if (!(issuerMaySign && facts.IsSignedBy(issuer)) && crlSigners?.Invoke(facts.Crl) is null)
        {
            problems.Note(RevocationStatus.CrlSignatureInvalid, issuerMaySign
                ? $"the CRL claiming to be from \"{facts.Crl.Issuer.Rfc4514Name}\" is not signed by the issuer's key, nor by another certificate of that name with a valid path to the same trust anchor"
                : $"the issuer \"{issuer.Subject.Rfc4514Name}\" may not sign CRLs (its keyUsage lacks cRLSign), and no other certificate of that name with a valid path signed the CRL");
            return false;
        }

        var crl = facts.Crl;
        if (crl.ThisUpdate - Policy.ClockSkew > at)
        {
            problems.Note(RevocationStatus.CrlExpired, $"the CRL is not valid yet (thisUpdate {Format(crl.ThisUpdate)})");
            return false;
        }

        if (crl.NextUpdate is not { } next)
        {
            problems.Note(RevocationStatus.CrlExpired, "the CRL has no nextUpdate, so its freshness cannot be judged");
            return false;
        }

        if (next + Policy.ClockSkew < at)
        {
            problems.Note(RevocationStatus.CrlExpired, $"the CRL expired at its nextUpdate {Format(next)}");
            return false;
        }

        return true;
    }

    // The CRLs handed in whose issuer a distribution point of the certificate names as cRLIssuer, or null.
    private List<CertificateRevocationList>? IndirectCrlsFor(Certificate certificate)
    {
        List<CertificateRevocationList>? found = null;
        foreach (var point in certificate.CrlDistributionPoints ?? [])
        {
            foreach (var name in point.CrlIssuer)
            {
                if (name.DirectoryName is { } directory && _byIssuer.TryGetValue(NameComparison.Canonical(directory.RawData.Span), out var crls))
                {
                    foreach (var crl in crls)
                    {
                        if (!(found ??= []).Contains(crl))
                        {
                            found.Add(crl);
                        }
                    }
                }
            }
        }

        return found;
    }

    private static bool NamedAsCrlIssuer(Certificate certificate, CertificateRevocationList crl)
    {
        foreach (var point in certificate.CrlDistributionPoints ?? [])
        {
            foreach (var name in point.CrlIssuer)
            {
                if (name.DirectoryName is { } directory && NameComparison.NamesEqual(directory.RawData.Span, crl.Issuer.RawData.Span))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The entry for the certificate. In an indirect CRL (RFC 5280 §5.3.3) an entry's certificateIssuer names the issuer
    // of that entry and of the following ones until the next certificateIssuer; the first entries are the CRL issuer's.
    private static RevokedCertificate? FindEntry(CertificateRevocationList crl, Certificate certificate, byte[] canonicalIssuer)
    {
        if (crl.IssuingDistributionPoint is not { IndirectCrl: true })
        {
            return crl.TryGetRevoked(certificate.SerialNumber, out var entry) ? entry : null;
        }

        var current = NameComparison.Canonical(crl.Issuer.RawData.Span);
        foreach (var entry in crl.RevokedCertificates)
        {
            if (entry.CertificateIssuer is { } names)
            {
                current = names.FirstOrDefault(n => n.DirectoryName is not null)?.DirectoryName is { } directory
                    ? NameComparison.Canonical(directory.RawData.Span)
                    : [];
            }

            if (entry.SerialNumber.Span.SequenceEqual(certificate.SerialNumber.Span) && current.AsSpan().SequenceEqual(canonicalIssuer))
            {
                return entry;
            }
        }

        return null;
    }

    private static bool SameDistributionPoint(IssuingDistributionPoint idp, Certificate certificate)
    {
        if (idp.FullName.Count == 0)
        {
            return idp.NameRelativeToCrlIssuer is null;
        }

        foreach (var point in certificate.CrlDistributionPoints ?? [])
        {
            foreach (var name in point.FullName)
            {
                foreach (var idpName in idp.FullName)
                {
                    if (name.RawData.Span.SequenceEqual(idpName.RawData.Span))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private string NoCrl(Certificate certificate)
    {
        var published = certificate.CrlDistributionPointUris.FirstOrDefault();
        return $"no CRL from \"{certificate.Issuer.Rfc4514Name}\" was given" + (published is null
            ? " and the certificate names no CRL distribution point"
            : Fetcher is null ? $" (the certificate names {published}; fetch it or use online revocation)" : $" and {published} cannot be fetched");
    }

    private static string Describe(RevokedCertificate entry) =>
        $"revoked on {Format(entry.RevocationDate)}" + (entry.Reason is { } reason ? $" ({ReasonName(reason)})" : string.Empty);

    private static string ReasonName(CrlReason reason)
    {
        var name = reason.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // The most specific failure wins: a forged or stale CRL says more than "none found".
    private struct Problems
    {
        private RevocationStatus _worst;
        private string? _reason;

        public readonly bool Any => _reason is not null;

        public void Note(RevocationStatus status, string reason)
        {
            if (_reason is null || Rank(status) > Rank(_worst))
            {
                _worst = status;
                _reason = reason;
            }
        }

        public readonly RevocationCheckResult Result(string? fallback) => (_reason ?? fallback) is not { } reason
            ? RevocationCheckResult.Unknown("no usable CRL was found")
            : _reason is null
                ? RevocationCheckResult.Unknown(reason)
                : _worst switch
                {
                    RevocationStatus.CrlSignatureInvalid => RevocationCheckResult.CrlSignatureInvalid(reason),
                    RevocationStatus.CrlExpired => RevocationCheckResult.CrlExpired(reason),
                    RevocationStatus.Unreachable => RevocationCheckResult.Unreachable(reason),
                    _ => RevocationCheckResult.Unknown(reason),
                };

        private static int Rank(RevocationStatus status) => status switch
        {
            RevocationStatus.CrlSignatureInvalid => 4,
            RevocationStatus.CrlExpired => 3,
            RevocationStatus.Unreachable => 2,
            _ => 1,
        };
    }
}
