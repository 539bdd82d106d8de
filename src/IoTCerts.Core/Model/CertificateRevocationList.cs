using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Numerics;

namespace IoTCerts.Core;

/// <summary>
/// An immutable, managed X.509 certificate revocation list (RFC 5280 5) parsed from DER with System.Formats.Asn1.
/// The whole list, including every entry's extensions, is validated at parse time; entries are kept as offsets
/// into the caller's buffer and looked up by serial number through a dictionary built on first use (O(1)).
/// </summary>
public sealed class CertificateRevocationList
{
    private static readonly Asn1Tag s_extensionsTag = new(TagClass.ContextSpecific, 0, true);

    private readonly ReadOnlyMemory<byte> _signatureAlgorithmRaw;
    private readonly ReadOnlyMemory<byte> _issuerRaw;
    private readonly EntryOffsets[] _entries;
    private readonly ExtensionList _extensions;
    private DistinguishedName? _issuer;
    private SignatureAlgorithm? _signatureAlgorithm;
    private IReadOnlyList<RevokedCertificate>? _revoked;
    private Dictionary<ReadOnlyMemory<byte>, int>? _bySerial;

    private CertificateRevocationList(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        var span = der.Span;
        var top = new DerWalker(span, 0, span.Length);
        var list = top.ReadSequence("the CRL");
        var tbsContent = list.Read(Asn1Tag.Sequence, "the TBSCertList", out var tbsEncoded);
        var signatureAlgorithm = SignatureAlgorithm.Validate(ref list, "the signature algorithm");
        var signature = list.ReadBitString("the signature", out _);
        list.ExpectEnd("the CRL");

        var tbs = list.Enter(tbsContent);
        var version = 1;
        if (tbs.PeekIs(Asn1Tag.Integer))
        {
            var value = tbs.ReadInt32("the version");
            if (value is not (0 or 1))
            {
                throw DerWalker.Malformed($"the version number {value} is not 1 (v2)");
            }

            version = value + 1;
        }

        var innerAlgorithm = SignatureAlgorithm.Validate(ref tbs, "the TBSCertList signature algorithm");
        var issuer = DistinguishedName.Validate(ref tbs, limits, "the issuer name");
        ThisUpdate = tbs.ReadTime("thisUpdate");
        if (tbs.PeekIs(Asn1Tag.UtcTime) || tbs.PeekIs(Asn1Tag.GeneralizedTime))
        {
            NextUpdate = tbs.ReadTime("nextUpdate");
        }

        _entries = [];
        if (tbs.PeekIs(Asn1Tag.Sequence))
        {
            _entries = ReadEntries(der, tbs.Read(Asn1Tag.Sequence, "the revoked certificates"), limits);
        }

        var facts = default(ExtensionFacts);
        _extensions = ExtensionList.Empty;
        if (tbs.PeekIs(s_extensionsTag))
        {
            var wrapper = tbs.ReadSequence(s_extensionsTag, "the CRL extensions");
            var content = wrapper.Read(Asn1Tag.Sequence, "the CRL extensions");
            wrapper.ExpectEnd("the CRL extensions");
            _extensions = ExtensionList.Validate(der, content, limits, ExtensionContext.Crl, "the CRL", ref facts);
        }

        tbs.ExpectEnd("the TBSCertList");
        RawData = der;
        TbsCertList = der[tbsEncoded];
        Version = version;
        _signatureAlgorithmRaw = der[signatureAlgorithm];
        SignatureAlgorithmsMatch = span[signatureAlgorithm].SequenceEqual(span[innerAlgorithm]);
        _issuerRaw = der[issuer];
        Signature = der[signature];
    }

    /// <summary>The complete DER encoding; a view over the buffer given to Parse.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The DER of the TBSCertList (the signed part).</summary>
    public ReadOnlyMemory<byte> TbsCertList { get; }

    /// <summary>The CRL version: 1 or 2.</summary>
    public int Version { get; }

    /// <summary>The outer signature algorithm.</summary>
    public SignatureAlgorithm SignatureAlgorithm => _signatureAlgorithm ??= SignatureAlgorithm.Create(_signatureAlgorithmRaw);

    /// <summary>True when the outer and TBSCertList signature algorithms are byte-identical (RFC 5280 5.1.1.2).</summary>
    public bool SignatureAlgorithmsMatch { get; }

    /// <summary>The signature BIT STRING contents.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The CRL issuer name.</summary>
    public DistinguishedName Issuer => _issuer ??= new DistinguishedName(_issuerRaw);

    /// <summary>thisUpdate.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>nextUpdate, or null when absent.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The number of revoked-certificate entries.</summary>
    public int RevokedCount => _entries.Length;

    /// <summary>The revoked-certificate entries in encoding order (created on first access).</summary>
    public IReadOnlyList<RevokedCertificate> RevokedCertificates => _revoked ??= [.. _entries.Select(Materialize)];

    /// <summary>The CRL extensions in encoding order.</summary>
    public IReadOnlyList<CertificateExtension> Extensions => _extensions.All;

    /// <summary>cRLNumber, or null when absent.</summary>
    public BigInteger? CrlNumber => Integer(WellKnownOids.CrlNumber);

    /// <summary>The BaseCRLNumber of a delta CRL (deltaCRLIndicator), or null for a complete CRL.</summary>
    public BigInteger? DeltaCrlIndicator => Integer(WellKnownOids.DeltaCrlIndicator);

    /// <summary>True when this is a delta CRL.</summary>
    public bool IsDeltaCrl => _extensions.Find(WellKnownOids.DeltaCrlIndicator) is not null;

    /// <summary>authorityKeyIdentifier, or null when absent.</summary>
    public AuthorityKeyIdentifier? AuthorityKeyIdentifier =>
        _extensions.Find(WellKnownOids.AuthorityKeyIdentifier) is { } v ? ExtensionDecoding.AuthorityKeyIdentifier(v) : null;

    /// <summary>issuingDistributionPoint, or null when absent.</summary>
    public IssuingDistributionPoint? IssuingDistributionPoint =>
        _extensions.Find(WellKnownOids.IssuingDistributionPoint) is { } v ? IssuingDistributionPoint.Decode(v) : null;

    /// <summary>Finds the entry for a serial number (as encoded in the certificate) in O(1).</summary>
    public bool TryGetRevoked(ReadOnlyMemory<byte> serialNumber, [NotNullWhen(true)] out RevokedCertificate? entry)
    {
        var index = BySerial();
        if (index.TryGetValue(serialNumber, out var position))
        {
            entry = Materialize(_entries[position]);
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>Finds the entry for <paramref name="certificate"/>'s serial number; the caller checks that this CRL is the right issuer's.</summary>
    public bool TryGetRevoked(Certificate certificate, [NotNullWhen(true)] out RevokedCertificate? entry)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return TryGetRevoked(certificate.SerialNumber, out entry);
    }

    /// <summary>True when <see cref="Signature"/> is a valid signature of <see cref="TbsCertList"/> under <paramref name="issuerKey"/>.</summary>
    public bool IsSignatureValid(SubjectPublicKeyInfo issuerKey) =>
        SignatureVerification.Verify(SignatureAlgorithm, TbsCertList.Span, Signature.Span, issuerKey);

    /// <summary>Parses a DER-encoded CRL with <see cref="ParseLimits.Default"/>.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CRL.</exception>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der) => Parse(der, ParseLimits.Default);

    /// <summary>Parses a DER-encoded CRL with explicit limits.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CRL or exceed a limit.</exception>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        DerEnvelope.CheckOuter(der.Span, limits.MaxCrlEncodedSize, "CRL");
        try
        {
            return new CertificateRevocationList(der, limits);
        }
        catch (MaterialException ex)
        {
            throw new MaterialException(ex.Code, "the CRL is invalid: " + ex.Message);
        }
        catch (Exception ex) when (DerEnvelope.IsParseFailure(ex))
        {
            throw DerEnvelope.Wrap(ex, "CRL");
        }
    }

    /// <summary>Parses a DER-encoded CRL without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out CertificateRevocationList? crl, [NotNullWhen(false)] out MaterialException? error)
    {
        // Garbage and truncations are refused here without throwing (a hostile flood pays no exception per input).
        if (DerEnvelope.SignedSkeletonError(der.Span, ParseLimits.Default.MaxCrlEncodedSize, "CRL") is { } early)
        {
            crl = null;
            error = early;
            return false;
        }

        try
        {
            crl = Parse(der);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            crl = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Returns the issuer and entry count.</summary>
    public override string ToString() => $"CRL of {Issuer} ({RevokedCount} entries)";

    private static EntryOffsets[] ReadEntries(ReadOnlyMemory<byte> der, Range content, ParseLimits limits)
    {
        var span = der.Span;
        var counter = new DerWalker(span, content.Start.Value, content.End.Value - content.Start.Value);
        var count = 0;
        while (counter.HasData)
        {
            counter.ReadAny(out _, out _);
            if (++count > limits.MaxCrlEntries)
            {
                throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the CRL has more than {limits.MaxCrlEntries} entries");
            }
        }

        var entries = new EntryOffsets[count];
        var walker = new DerWalker(span, content.Start.Value, content.End.Value - content.Start.Value);
        for (var i = 0; i < count; i++)
        {
            var entry = walker.ReadSequence("a revoked certificate entry");
            var serial = entry.ReadInteger("a revoked serial number");
            var date = entry.ReadTime("a revocation date");
            Range extensions = default;
            var reason = -1;
            if (entry.HasData)
            {
                extensions = entry.Read(Asn1Tag.Sequence, "a CRL entry's extensions");
                var facts = default(ExtensionFacts);
                ExtensionList.ValidateOnly(span, extensions, limits, ExtensionContext.CrlEntry, ref facts);
                reason = facts.CrlReason is { } code ? (int)code : -1;
            }

            entry.ExpectEnd("a revoked certificate entry");
            entries[i] = new EntryOffsets(serial, date, reason, extensions);
        }

        return entries;
    }

    private RevokedCertificate Materialize(EntryOffsets entry) =>
        new(RawData, RawData[entry.Serial], entry.RevocationDate, entry.Reason, entry.Extensions);

    private Dictionary<ReadOnlyMemory<byte>, int> BySerial()
    {
        if (_bySerial is { } existing)
        {
            return existing;
        }

        var index = new Dictionary<ReadOnlyMemory<byte>, int>(_entries.Length, SerialComparer.Instance);
        for (var i = 0; i < _entries.Length; i++)
        {
            index.TryAdd(RawData[_entries[i].Serial], i);
        }

        return Interlocked.CompareExchange(ref _bySerial, index, null) ?? index;
    }

    private BigInteger? Integer(string oid) =>
        _extensions.Find(oid) is { } v ? AsnDecoder.ReadInteger(v.Span, AsnEncodingRules.DER, out _) : null;

    private readonly record struct EntryOffsets(Range Serial, DateTimeOffset RevocationDate, int Reason, Range Extensions);

    private sealed class SerialComparer : IEqualityComparer<ReadOnlyMemory<byte>>
    {
        public static readonly SerialComparer Instance = new();

        public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<byte> obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj.Span);
            return hash.ToHashCode();
        }
    }
}
