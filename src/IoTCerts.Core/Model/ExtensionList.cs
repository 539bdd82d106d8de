using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>Facts the validator reads often, extracted while the extensions are validated (no allocation).</summary>
internal struct ExtensionFacts
{
    public BasicConstraints? BasicConstraints;
    public KeyUsage? KeyUsage;
    public Range SubjectKeyIdentifier;
    public bool HasSubjectKeyIdentifier;
    public long? CrlReason;

    // authorityKeyIdentifier (RFC 5280 4.2.1.1): the keyIdentifier, and whether issuer or serial are named.
    public bool HasAuthorityKeyIdentifier;
    public bool HasAuthorityKeyId;
    public Range AuthorityKeyId;
    public bool AuthorityKeyIdNamesIssuerOrSerial;

    // extendedKeyUsage: the value (a SEQUENCE OF OID), read by the validator without decoding the OIDs to text.
    public bool HasExtendedKeyUsage;
    public Range ExtendedKeyUsage;
}

/// <summary>
/// The validated extensions of one certificate, CSR, CRL or CRL entry: one array of offsets over the parsed
/// buffer; the public <see cref="CertificateExtension"/> objects are created only when asked for.
/// </summary>
internal sealed class ExtensionList
{
    public static readonly ExtensionList Empty = new(ReadOnlyMemory<byte>.Empty, []);

    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly Entry[] _entries;
    private IReadOnlyList<CertificateExtension>? _materialized;

    private ExtensionList(ReadOnlyMemory<byte> buffer, Entry[] entries)
    {
        _buffer = buffer;
        _entries = entries;
    }

    public int Count => _entries.Length;

    public IReadOnlyList<CertificateExtension> All => _materialized ?? Interlocked.CompareExchange(ref _materialized, Materialize(), null) ?? _materialized;

    /// <summary>The value of a known extension (the OID must be one of <see cref="WellKnownOids"/>), or null.</summary>
    public ReadOnlyMemory<byte>? Find(string knownOid)
    {
        foreach (ref readonly var entry in _entries.AsSpan())
        {
            if (ReferenceEquals(entry.KnownOid, knownOid) || entry.KnownOid == knownOid)
            {
                return _buffer[entry.Value];
            }
        }

        return null;
    }

    public CertificateExtension? Get(string oid)
    {
        foreach (var extension in All)
        {
            if (extension.Oid == oid)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>The OID of entry <paramref name="index"/> when it is a known one (a shared string, no allocation), else null.</summary>
    public string? KnownOidAt(int index) => _entries[index].KnownOid;

    /// <summary>The OID text of entry <paramref name="index"/> (decoded, so allocated, when it is not a known one).</summary>
    public string OidAt(int index) => _entries[index].KnownOid ?? WellKnownOids.Decode(_buffer.Span[_entries[index].Oid]);

    public bool IsCriticalAt(int index) => _entries[index].Critical;

    public ReadOnlySpan<byte> ValueAt(int index) => _buffer.Span[_entries[index].Value];

    /// <summary>
    /// Validates a SEQUENCE OF Extension whose content is <paramref name="content"/> (RFC 5280 4.1.2.9):
    /// every known extension's value is checked, a repeated OID is refused (RFC 5280 4.2).
    /// </summary>
    public static ExtensionList Validate(ReadOnlyMemory<byte> buffer, Range content, ParseLimits limits, ExtensionContext context, string what, ref ExtensionFacts facts)
    {
        var span = buffer.Span;
        var counter = new DerWalker(span, content.Start.Value, content.End.Value - content.Start.Value);
        var count = 0;
        while (counter.HasData)
        {
            counter.ReadAny(out _, out _);
            if (++count > limits.MaxExtensions)
            {
                throw new MaterialException(MaterialErrorCode.TooManyObjects, $"{what} has more than {limits.MaxExtensions} extensions");
            }
        }

        if (count == 0)
        {
            return Empty;
        }

        var entries = new Entry[count];
        var walker = new DerWalker(span, content.Start.Value, content.End.Value - content.Start.Value);
        for (var i = 0; i < count; i++)
        {
            var extension = walker.ReadSequence("an extension");
            var oid = extension.ReadOid("an extension OID");
            var critical = false;
            if (extension.PeekIs(Asn1Tag.Boolean))
            {
                critical = extension.ReadBoolean("an extension's critical flag");
            }

            var value = extension.ReadOctetString("an extension value");
            extension.ExpectEnd("an extension");
            var oidBytes = span[oid];
            for (var j = 0; j < i; j++)
            {
                if (span[entries[j].Oid].SequenceEqual(oidBytes))
                {
                    throw DerWalker.Malformed($"{what} contains the extension {WellKnownOids.Decode(oidBytes)} more than once (RFC 5280 4.2)");
                }
            }

            var known = WellKnownOids.TryGetKnown(oidBytes);
            if (known is not null)
            {
                ExtensionValidation.Validate(known, span, value, limits, context, ref facts);
            }

            entries[i] = new Entry(known, oid, critical, value);
        }

        return new ExtensionList(buffer, entries);
    }

    /// <summary>
    /// Validates like <see cref="Validate"/> but keeps nothing, so a million CRL entries cost no allocation;
    /// repeated OIDs are found by rescanning (entries have a handful of extensions at most).
    /// </summary>
    public static void ValidateOnly(ReadOnlySpan<byte> span, Range content, ParseLimits limits, ExtensionContext context, ref ExtensionFacts facts)
    {
        var walker = new DerWalker(span, content.Start.Value, content.End.Value - content.Start.Value);
        var count = 0;
        while (walker.HasData)
        {
            if (++count > limits.MaxExtensions)
            {
                throw new MaterialException(MaterialErrorCode.TooManyObjects, $"a CRL entry has more than {limits.MaxExtensions} extensions");
            }

            var start = walker.Position;
            var extension = walker.ReadSequence("an extension");
            var oid = extension.ReadOid("an extension OID");
            if (extension.PeekIs(Asn1Tag.Boolean))
            {
                extension.ReadBoolean("an extension's critical flag");
            }

            var value = extension.ReadOctetString("an extension value");
            extension.ExpectEnd("an extension");
            var previous = new DerWalker(span, content.Start.Value, start - content.Start.Value);
            while (previous.HasData)
            {
                var earlier = previous.ReadSequence("an extension");
                if (span[earlier.ReadOid("an extension OID")].SequenceEqual(span[oid]))
                {
                    throw DerWalker.Malformed($"a CRL entry contains the extension {WellKnownOids.Decode(span[oid])} more than once (RFC 5280 4.2)");
                }
            }

            if (WellKnownOids.TryGetKnown(span[oid]) is { } known)
            {
                ExtensionValidation.Validate(known, span, value, limits, context, ref facts);
            }
        }
    }

    private IReadOnlyList<CertificateExtension> Materialize()
    {
        var list = new CertificateExtension[_entries.Length];
        for (var i = 0; i < list.Length; i++)
        {
            var entry = _entries[i];
            list[i] = new CertificateExtension(entry.KnownOid ?? WellKnownOids.Decode(_buffer.Span[entry.Oid]), entry.Critical, _buffer[entry.Value]);
        }

        return list;
    }

    private readonly record struct Entry(string? KnownOid, Range Oid, bool Critical, Range Value);
}

/// <summary>Where an extension list sits, which decides which OIDs are interpreted.</summary>
internal enum ExtensionContext
{
    Certificate,
    Crl,
    CrlEntry,
}
