using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// The hostile bags of issue 17, made with .NET's CertificateRequest (independent of the validator): a full mesh of
/// cross-certified CAs, thousands of same-name decoys around the real intermediate, and a ladder of CAs each
/// certified by both CAs of the rung above. Shared (linked) by the tests and the benchmarks.
/// </summary>
internal sealed class HostileBag
{
    /// <summary>The instant every bag is valid at.</summary>
    public static readonly DateTimeOffset At = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private HostileBag(string name, Certificate anchor, Certificate leaf, Certificate[] intermediates, byte[][] intermediateDers, byte[] anchorDer, byte[] leafDer)
    {
        Name = name;
        Anchor = anchor;
        Leaf = leaf;
        Intermediates = intermediates;
        IntermediateDers = intermediateDers;
        AnchorDer = anchorDer;
        LeafDer = leafDer;
    }

    public string Name { get; }

    public Certificate Anchor { get; }

    public Certificate Leaf { get; }

    public Certificate[] Intermediates { get; }

    /// <summary>The DER of each intermediate, to measure a cold validation that parses the bag itself.</summary>
    public byte[][] IntermediateDers { get; }

    public byte[] AnchorDer { get; }

    public byte[] LeafDer { get; }

    public ValidationContext Context => new() { ValidationTime = At, Purpose = CertificatePurpose.ClientAuth };

    public override string ToString() => Name;

    /// <summary>
    /// <paramref name="size"/> CAs, each certified by every other one (size × (size - 1) cross-certificates), none by
    /// the trust anchor: every ordering of the CAs is a path to explore and none ends at the anchor.
    /// </summary>
    public static HostileBag Mesh(int size = 12)
    {
        using var rootKey = NewKey();
        var root = SelfSigned("CN=Hostile Root", rootKey);
        var keys = Enumerable.Range(0, size).Select(_ => NewKey()).ToArray();
        var names = Enumerable.Range(0, size).Select(i => $"CN=Mesh CA {i}").ToArray();
        var bag = new List<byte[]>();
        for (var subject = 0; subject < size; subject++)
        {
            for (var issuer = 0; issuer < size; issuer++)
            {
                if (issuer != subject)
                {
                    bag.Add(Issue(names[subject], keys[subject], names[issuer], keys[issuer], ca: true));
                }
            }
        }

        var leaf = Issue("CN=mesh-device", NewKey(), names[0], keys[0], ca: false);
        return Build($"mesh of {size} CAs", root, leaf, bag);
    }

    /// <summary>
    /// The real intermediate hidden among <paramref name="decoys"/> CAs of the same name with their own keys, listed
    /// before it. With <paramref name="forgedKeyId"/> the decoys also carry the real intermediate's subject key
    /// identifier, so only a signature check tells them apart. With <paramref name="forgedIssuer"/> the decoys are also
    /// issued under the trust anchor's name (by another key), so nothing short of a signature check ranks them after the
    /// real intermediate and the budget must end the search.
    /// </summary>
    public static HostileBag Decoys(int decoys = 5000, bool forgedKeyId = false, bool forgedIssuer = false)
    {
        using var rootKey = NewKey();
        var root = SelfSigned("CN=Hostile Root", rootKey);
        using var realKey = NewKey();
        const string Name = "CN=Issuing CA";
        var real = Issue(Name, realKey, "CN=Hostile Root", rootKey, ca: true);
        var realSki = X509CertificateLoader.LoadCertificate(real).Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().RawData;
        using var decoyRootKey = NewKey();
        var bag = new List<byte[]>();
        for (var i = 0; i < decoys; i++)
        {
            // Each decoy has its own key (keys cost an attacker nothing), so no cache of one key's result can help.
            using var decoyKey = NewKey();
            bag.Add(Issue(Name, decoyKey, forgedIssuer ? "CN=Hostile Root" : "CN=Decoy Root", decoyRootKey, ca: true, forgedSki: forgedKeyId ? realSki : null, serial: i + 1));
        }

        bag.Add(real);
        var leaf = Issue("CN=decoy-device", NewKey(), Name, realKey, ca: false);
        return Build($"{decoys} same-name decoys{(forgedKeyId ? " with forged key ids" : string.Empty)}{(forgedIssuer ? " and the anchor's name as issuer" : string.Empty)}", root, leaf, bag);
    }

    /// <summary>
    /// <paramref name="rungs"/> rungs of two CAs; each CA is certified by both CAs of the rung above, the top rung by
    /// the anchor: 2^rungs paths, all longer than any policy allows.
    /// </summary>
    public static HostileBag Ladder(int rungs = 40)
    {
        using var rootKey = NewKey();
        var root = SelfSigned("CN=Hostile Root", rootKey);
        var keys = new ECDsa[rungs, 2];
        for (var r = 0; r < rungs; r++)
        {
            keys[r, 0] = NewKey();
            keys[r, 1] = NewKey();
        }

        static string NameOf(int rung, int side) => $"CN=Ladder {rung}{(side == 0 ? "a" : "b")}";
        var bag = new List<byte[]>();
        for (var r = 0; r < rungs; r++)
        {
            for (var side = 0; side < 2; side++)
            {
                if (r == rungs - 1)
                {
                    bag.Add(Issue(NameOf(r, side), keys[r, side], "CN=Hostile Root", rootKey, ca: true));
                    continue;
                }

                for (var above = 0; above < 2; above++)
                {
                    bag.Add(Issue(NameOf(r, side), keys[r, side], NameOf(r + 1, above), keys[r + 1, above], ca: true));
                }
            }
        }

        var leaf = Issue("CN=ladder-device", NewKey(), NameOf(0, 0), keys[0, 0], ca: false);
        return Build($"{rungs}-rung ladder", root, leaf, bag);
    }

    private static HostileBag Build(string name, byte[] root, byte[] leaf, List<byte[]> bag) =>
        new(name, Certificate.Parse(root), Certificate.Parse(leaf), [.. bag.Select(d => Certificate.Parse(d))], [.. bag], root, leaf);

    private static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static byte[] SelfSigned(string subject, ECDsa key) => Issue(subject, key, subject, key, ca: true);

    private static byte[] Issue(string subject, ECDsa subjectKey, string issuer, ECDsa issuerKey, bool ca, byte[]? forgedSki = null, int? serial = null)
    {
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, critical: true));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        }

        var ski = forgedSki is null ? new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false) : new X509SubjectKeyIdentifierExtension(forgedSki[2..], critical: false);
        request.CertificateExtensions.Add(ski);
        var issuerSki = new X509SubjectKeyIdentifierExtension(new PublicKey(issuerKey), critical: false);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki));
        var serialBytes = serial is { } s ? [(byte)(s >> 16 | 0x10), (byte)(s >> 8), (byte)s] : RandomNumberGenerator.GetBytes(12);
        serialBytes[0] = (byte)((serialBytes[0] & 0x7F) | 0x01);
        using var certificate = request.Create(new X500DistinguishedName(issuer), X509SignatureGenerator.CreateForECDsa(issuerKey), At.AddDays(-30), At.AddDays(365), serialBytes);
        return certificate.RawData;
    }
}
