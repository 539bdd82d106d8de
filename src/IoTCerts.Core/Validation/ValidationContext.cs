namespace IoTCerts.Core;

/// <summary>Per-validation inputs: when, for what purpose, and for which peer name.</summary>
public sealed class ValidationContext
{
    /// <summary>No fixed time (the validator's <see cref="TimeProvider"/>), any purpose, no peer name.</summary>
    public static ValidationContext Default { get; } = new();

    /// <summary>The instant at which the chain must be valid; null means the validator's <see cref="TimeProvider"/> now.</summary>
    public DateTimeOffset? ValidationTime { get; init; }

    /// <summary>The purpose the end-entity certificate must allow. Default <see cref="CertificatePurpose.Any"/>.</summary>
    public CertificatePurpose Purpose { get; init; }

    /// <summary>The name the end-entity certificate must hold (server certificates), or null.</summary>
    public PeerName? ExpectedPeerName { get; init; }

    /// <summary>
    /// RFC 5280 §6.1.1 (c) user-initial-policy-set: the certificate policy OIDs acceptable to the user. Null, empty or
    /// containing anyPolicy (2.5.29.32.0) means any-policy, the default.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is not a dotted object identifier.</exception>
    public IReadOnlyList<string>? UserInitialPolicySet
    {
        get;
        init
        {
            foreach (var oid in value ?? [])
            {
                if (!IsDottedOid(oid))
                {
                    throw new ArgumentException($"\"{oid}\" is not a dotted object identifier such as 2.5.29.32.0", nameof(value));
                }
            }

            field = value is null ? null : [.. value];
        }
    }

    /// <summary>RFC 5280 §6.1.1 (f) initial-explicit-policy: the path must be valid for at least one policy of <see cref="UserInitialPolicySet"/>. Default false.</summary>
    public bool InitialExplicitPolicy { get; init; }

    /// <summary>RFC 5280 §6.1.1 (e) initial-policy-mapping-inhibit: policy mapping is not permitted in the path. Default false.</summary>
    public bool InitialPolicyMappingInhibit { get; init; }

    /// <summary>RFC 5280 §6.1.1 (g) initial-any-policy-inhibit: anyPolicy in a certificate is not processed as matching every policy. Default false.</summary>
    public bool InitialAnyPolicyInhibit { get; init; }

    private static bool IsDottedOid(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 256)
        {
            return false;
        }

        var arcs = text.Split('.');
        if (arcs.Length < 2 || arcs[0] is not ("0" or "1" or "2"))
        {
            return false;
        }

        foreach (var arc in arcs)
        {
            if (arc.Length == 0 || (arc.Length > 1 && arc[0] == '0') || !arc.All(char.IsAsciiDigit))
            {
                return false;
            }
        }

        return true;
    }
}
