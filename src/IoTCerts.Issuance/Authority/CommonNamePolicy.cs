namespace IoTCerts.Issuance;

/// <summary>
/// The signing policy's commonName rule: unique among the CA's valid certificates, except within one renewal
/// lineage. A renewal (<see cref="IssuanceRequest.Renews"/>) may share its name with the certificate it renews and with
/// that certificate's other renewals, because the device keeps using the old certificate until the new one is verified
/// and promoted, and a re-enrollment whose answer was lost is retried with the same old certificate.
/// </summary>
internal static class CommonNamePolicy
{
    /// <summary>A request as the rule sees it: its commonName and the normalized serial it renews.</summary>
    internal readonly record struct Candidate(string CommonName, string? Renews);

    /// <summary>Normalizes <see cref="IssuanceRequest.Renews"/>; a malformed serial is refused.</summary>
    public static string? NormalizeRenews(IssuanceRequest request) =>
        request.Renews is null
            ? null
            : OpenSslIndex.NormalizeSerial(request.Renews)
              ?? throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"'{request.Renews}' is not a hex serial number (the certificate the request renews)");

    /// <summary>
    /// The records the rule needs for <paramref name="candidates"/>: every record with one of their names (a renewal
    /// lineage keeps its name, so its members are among them) and the certificates the renewals name.
    /// </summary>
    public static IReadOnlyList<CertificateRecord> RecordsToCheck(ICaDatabaseTransaction tx, IReadOnlyList<Candidate> candidates)
    {
        var names = new List<string>(candidates.Count);
        foreach (var c in candidates)
        {
            names.Add(c.CommonName);
        }

        var records = tx.RecordsNamed(names);
        List<CertificateRecord>? extended = null;
        foreach (var c in candidates)
        {
            if (c.Renews is { } renews && !records.Any(r => r.SerialNumber == renews) && tx.FindRecord(renews) is { } renewed)
            {
                (extended ??= [.. records]).Add(renewed);
            }
        }

        return extended ?? records;
    }

    /// <summary>Throws the policy sentence when a candidate's name is taken outside its lineage, or its renewal is not acceptable.</summary>
    public static void Check(IReadOnlyList<CertificateRecord> records, IReadOnlyList<Candidate> candidates, DateTimeOffset now)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            if (!names.Add(c.CommonName))
            {
                throw new IssuanceException(IssuanceErrorCode.PolicyViolation, $"the commonName '{c.CommonName}' appears twice in the batch (signing policy: commonName unique)");
            }
        }

        // The serial index is only needed for renewals and for a name clash; a plain issue scans the names once.
        Dictionary<string, CertificateRecord>? index = null;
        Dictionary<string, CertificateRecord> BySerial()
        {
            if (index is null)
            {
                index = new Dictionary<string, CertificateRecord>(records.Count, StringComparer.Ordinal);
                foreach (var record in records)
                {
                    index.TryAdd(record.SerialNumber, record);
                }
            }

            return index;
        }

        var lineages = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            if (c.Renews is { } renews)
            {
                lineages[c.CommonName] = LineageRoot(RequireRenewable(BySerial(), renews, c.CommonName, now), BySerial());
            }
        }

        foreach (var record in records)
        {
            if (record.CommonName is not { } cn || !names.Contains(cn) || !record.IsValidAt(now))
            {
                continue;
            }

            if (lineages.TryGetValue(cn, out var root) && LineageRoot(record, BySerial()) == root)
            {
                continue;
            }

            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, $"the commonName '{cn}' is already used by the valid certificate with serial {record.SerialNumber}: revoke it first or choose another name (signing policy: commonName unique)");
        }
    }

    private static CertificateRecord RequireRenewable(Dictionary<string, CertificateRecord> bySerial, string serial, string commonName, DateTimeOffset now)
    {
        if (!bySerial.TryGetValue(serial, out var renewed))
        {
            throw new IssuanceException(IssuanceErrorCode.UnknownSerial, $"this CA did not issue the certificate with serial {serial} that the request renews");
        }

        if (!renewed.IsValidAt(now))
        {
            var state = renewed.Status == CertificateStatus.Revoked ? "revoked" : "expired";
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, $"the certificate with serial {serial} that the request renews is {state}: only a valid certificate can be renewed, enroll anew instead (signing policy)");
        }

        if (!string.Equals(renewed.CommonName, commonName, StringComparison.Ordinal))
        {
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, $"a renewal keeps the commonName: the request asks for '{commonName}' but the certificate with serial {serial} it renews has '{renewed.CommonName}' (signing policy)");
        }

        return renewed;
    }

    // Follows Renews links to the first certificate of the lineage; the step bound stops a cycle in a hand-edited index.
    private static string LineageRoot(CertificateRecord record, Dictionary<string, CertificateRecord> bySerial)
    {
        var current = record;
        for (var steps = 0; steps < bySerial.Count && current.Renews is { } previous && bySerial.TryGetValue(previous, out var parent); steps++)
        {
            current = parent;
        }

        return current.SerialNumber;
    }
}
