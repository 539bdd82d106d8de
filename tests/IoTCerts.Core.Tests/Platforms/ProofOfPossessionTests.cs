using System.Text;
using IoTCerts.Core.Tests.Model;

namespace IoTCerts.Core.Tests.Platforms;

/// <summary>Proof of possession against the real openssl dgst.</summary>
public sealed class ProofOfPossessionTests
{
    private const string Code = "c8y-pop-3f9a1b2c-verification";

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    public void Rsa_signature_equals_openssl_dgst_byte_for_byte(int bits)
    {
        using var w = new OpenSslWorkspace();
        w.Run("genrsa", "-out", "ca.key", bits.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(w.PathOf("code.txt"), Code);
        w.Run("dgst", "-sha256", "-sign", "ca.key", "-out", "code.sig", "code.txt");
        var expected = w.Run("base64", "-A", "-in", "code.sig");

        var key = MaterialLoader.LoadFile(w.PathOf("ca.key")).PrivateKeys[0];
        var ours = ProofOfPossession.Sign(key, Code);

        Assert.Equal(expected.Trim(), ours);
        Assert.DoesNotContain('\n', ours);
    }

    [Theory]
    [InlineData("P-256")]
    [InlineData("P-384")]
    public void Openssl_dgst_verify_accepts_our_EC_signature(string curve)
    {
        using var w = new OpenSslWorkspace();
        w.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + curve, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=PoP EC CA", "-days", "30");
        w.Run("x509", "-in", "ca.pem", "-pubkey", "-noout", "-out", "ca.pub");
        File.WriteAllText(w.PathOf("code.txt"), Code);
        var key = MaterialLoader.LoadFile(w.PathOf("ca.key")).PrivateKeys[0];

        var signature = ProofOfPossession.Sign(key, Code);
        File.WriteAllBytes(w.PathOf("ours.sig"), Convert.FromBase64String(signature));

        // openssl fails (exit 1) on a P1363 signature; a DER sequence starts with SEQUENCE (0x30).
        Assert.Contains("Verified OK", w.Run("dgst", "-sha256", "-verify", "ca.pub", "-signature", "ours.sig", "code.txt"), StringComparison.Ordinal);
        Assert.Equal(0x30, Convert.FromBase64String(signature)[0]);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void Our_verify_accepts_openssl_signatures_and_refuses_others(string kind)
    {
        using var w = new OpenSslWorkspace();
        var keyArgs = kind == "rsa" ? new[] { "-newkey", "rsa:2048" } : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
        w.Run(["req", "-x509", "-nodes", .. keyArgs, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=PoP CA", "-days", "30"]);
        File.WriteAllText(w.PathOf("code.txt"), Code);
        w.Run("dgst", "-sha256", "-sign", "ca.key", "-out", "code.sig", "code.txt");
        var signature = Convert.ToBase64String(File.ReadAllBytes(w.PathOf("code.sig")));
        var ca = Certificate.Parse(w.ReadDer("ca.pem"));

        Assert.True(ProofOfPossession.Verify(ca, Code, signature));
        Assert.False(ProofOfPossession.Verify(ca, Code + "x", signature));
        Assert.False(ProofOfPossession.Verify(ca, Code, "not base64 at all!"));
        var tampered = Convert.FromBase64String(signature);
        tampered[^1] ^= 1;
        Assert.False(ProofOfPossession.Verify(ca, Code, Convert.ToBase64String(tampered)));
    }

    [Fact]
    public void Our_signature_verifies_with_our_verify_and_not_with_another_key()
    {
        using var w = new OpenSslWorkspace();
        w.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "a.key", "-out", "a.pem", "-subj", "/CN=A", "-days", "30");
        w.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "b.key", "-out", "b.pem", "-subj", "/CN=B", "-days", "30");
        var signature = ProofOfPossession.Sign(MaterialLoader.LoadFile(w.PathOf("a.key")).PrivateKeys[0], "ünïcode-code");

        Assert.True(ProofOfPossession.Verify(Certificate.Parse(w.ReadDer("a.pem")), "ünïcode-code", signature));
        Assert.False(ProofOfPossession.Verify(Certificate.Parse(w.ReadDer("b.pem")), "ünïcode-code", signature));
        Assert.Equal(14, Encoding.UTF8.GetBytes("ünïcode-code").Length);
    }

    [Fact]
    public void Empty_or_oversized_codes_are_refused()
    {
        var key = PrivateKey.FromAsymmetricAlgorithm(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256));

        Assert.Throws<ArgumentException>(() => ProofOfPossession.Sign(key, string.Empty));
        Assert.Throws<ArgumentException>(() => ProofOfPossession.Sign(key, new string('a', ProofOfPossession.MaxCodeLength + 1)));
    }
}
