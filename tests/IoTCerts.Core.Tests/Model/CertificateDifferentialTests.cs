using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Xunit.Abstractions;

namespace IoTCerts.Core.Tests.Model;

/// <summary>
/// Our model against X509Certificate2 (OpenSSL underneath) on every distinct limbo certificate, on
/// certificates made with CertificateRequest and on certificates made by the openssl CLI.
/// </summary>
public sealed class CertificateDifferentialTests(ITestOutputHelper output)
{
    /// <summary>Limbo certificates one side refuses and the other accepts, by "case id/role", with the reason.</summary>
    private static readonly Dictionary<string, string> s_divergentByDesign = new()
    {
        ["rfc5280::duplicate-extensions/peer"] = "duplicate extension OID: we refuse at parse time like Go and webpki (RFC 5280 4.2)",
        ["rfc5280::serial::too-long/peer"] = "serial longer than 20 octets: we refuse at parse time like webpki (RFC 5280 4.1.2.2)",
        ["pathological::nc-dos-1/trusted"] = "limit: more than ParseLimits.MaxGeneralNames (1000) name-constraint subtrees",
        ["pathological::nc-dos-1/peer"] = "limit: more than ParseLimits.MaxRelativeDistinguishedNames (256) subject attributes",
        ["pathological::nc-dos-2/trusted"] = "limit: more than ParseLimits.MaxGeneralNames (1000) name-constraint subtrees",
        ["pathological::nc-dos-2/peer"] = "limit: more than ParseLimits.MaxGeneralNames (1000) subjectAltName names",
        ["pathological::nc-dos-3/trusted"] = "limit: more than ParseLimits.MaxGeneralNames (1000) name-constraint subtrees",
        ["pathological::nc-dos-3/peer"] = "limit: more than ParseLimits.MaxRelativeDistinguishedNames (256) subject attributes",
        ["rfc5280::nc::invalid-ipv4-address/trusted"] = "malformed known extension: a name-constraint IP must be address+mask, 8 bytes (RFC 5280 4.2.1.10)",
        ["rfc5280::nc::invalid-ipv6-address/trusted"] = "malformed known extension: a name-constraint IP must be address+mask, 32 bytes (RFC 5280 4.2.1.10)",
        ["rfc5280::nc::nc-permits-invalid-ip-san/peer"] = "malformed known extension: a SAN IP must be 4 or 16 bytes (RFC 5280 4.2.1.6)",
        ["rfc5280::san::malformed/peer"] = "malformed known extension: the SAN value is not DER GeneralNames",
        ["webpki::san::unicode-emoji-san/peer"] = "malformed known extension: a dNSName must be IA5String (ASCII), like webpki",
        ["webpki::malformed-aia/peer"] = "malformed known extension: the AIA value is not DER",
    };

    [Fact]
    public void LimboCertificatesAgreeWithX509Certificate2()
    {
        var compared = 0;
        var agreeing = 0;
        var divergent = new List<string>();
        var problems = new List<string>();
        foreach (var (key, der) in LimboCertificates())
        {
            var ourOk = Certificate.TryParse(der, out var ours, out var error);
            X509Certificate2? theirs = null;
            try
            {
                theirs = X509CertificateLoader.LoadCertificate(der);
            }
            catch (CryptographicException)
            {
            }

            using (theirs)
            {
                if (ourOk != (theirs is not null))
                {
                    if (s_divergentByDesign.ContainsKey(key))
                    {
                        divergent.Add(key);
                    }
                    else
                    {
                        problems.Add($"{key}: ours {(ourOk ? "accepts" : "refuses (" + error!.Message + ")")}, X509Certificate2 {(theirs is null ? "refuses" : "accepts")}");
                    }

                    continue;
                }

                if (!ourOk)
                {
                    continue;
                }

                compared++;
                var differences = PlatformComparison.Compare(ours!, theirs!);
                if (differences.Count == 0)
                {
                    agreeing++;
                }
                else
                {
                    problems.Add($"{key}: {string.Join("; ", differences)}");
                }
            }
        }

        output.WriteLine($"limbo: compared {compared}, agreeing {agreeing}, divergent by design {divergent.Count}, typed extension values compared {PlatformComparison.TypedComparisons}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(s_divergentByDesign.Keys.Order(), divergent.Order());
        Assert.True(compared > 500, $"only {compared} limbo certificates compared");
    }

    [Fact]
    public void GeneratedCertificatesAgreeWithX509Certificate2()
    {
        foreach (var (name, der) in TestCertificates.All)
        {
            var ours = Certificate.Parse(der);
            using var theirs = X509CertificateLoader.LoadCertificate(der);
            var differences = PlatformComparison.Compare(ours, theirs);
            Assert.True(differences.Count == 0, name + ": " + string.Join("; ", differences));
        }

        output.WriteLine($"generated: {TestCertificates.All.Count} certificates agree");
    }

    [Fact]
    public void OpenSslCertificatesAgreeWithX509Certificate2()
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Write("ext.cnf", """
            [req]
            distinguished_name = dn

            [dn]

            [ext]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, digitalSignature, keyCertSign, cRLSign
            extendedKeyUsage = clientAuth, serverAuth, 1.3.6.1.5.5.7.3.28
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            subjectAltName = DNS:gw.example.com, IP:10.1.2.3, IP:fe80::1, email:ops@example.com, URI:https://example.com/x, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:dev@example.com, RID:1.2.3.4, dirName:dir_sect
            crlDistributionPoints = URI:http://crl.example.com:8080/ca.crl
            authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.cer
            nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:10.0.0.0/255.0.0.0, excluded;email:.evil.com
            certificatePolicies = 2.23.140.1.2.1, @policy_sect

            [dir_sect]
            CN = Directory
            O = IoTCerts

            [policy_sect]
            policyIdentifier = 1.3.6.1.4.1.99999.3
            CPS.1 = http://example.com/cps
            """);
        var made = new List<string>();
        foreach (var (name, keyArgs) in new[]
        {
            ("rsa", new[] { "-newkey", "rsa:2048" }),
            ("pss", new[] { "-newkey", "rsa:2048", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32" }),
            ("p256", new[] { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256" }),
            ("p384", new[] { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384" }),
            ("ed25519", new[] { "-newkey", "ed25519" }),
        })
        {
            workspace.Run([.. new[] { "req", "-x509", "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "30",
                "-subj", "/C=DE/ST=Berlin/L=Berlin/O=IoTCerts\\, Inc./OU=Edge+OU=Second/CN=  spaced #device  /emailAddress=a@example.com",
                "-multivalue-rdn", "-config", "ext.cnf", "-extensions", "ext" }, .. keyArgs]);
            made.Add(name);
        }

        foreach (var name in made)
        {
            var der = workspace.ReadDer(name + ".pem");
            var ours = Certificate.Parse(der);
            using var theirs = X509CertificateLoader.LoadCertificate(der);
            var differences = PlatformComparison.Compare(ours, theirs);
            Assert.True(differences.Count == 0, name + ": " + string.Join("; ", differences));
            Assert.Equal(10, ours.Extensions.Count);
            Assert.True(ours.IsSignatureValid(ours.PublicKey) || name == "ed25519", name + " self-signature");
        }

        output.WriteLine($"openssl: {made.Count} certificates agree");
    }

    internal static IEnumerable<(string Key, byte[] Der)> LimboCertificates()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestEnvironment.LimboPath));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, byte[])>();
        foreach (var testcase in document.RootElement.GetProperty("testcases").EnumerateArray())
        {
            var id = testcase.GetProperty("id").GetString()!;
            var pems = new List<(string Role, string Pem)>();
            pems.AddRange(testcase.GetProperty("trusted_certs").EnumerateArray().Select((p, i) => ("trusted" + i, p.GetString()!)));
            pems.AddRange(testcase.GetProperty("untrusted_intermediates").EnumerateArray().Select((p, i) => ("intermediate" + i, p.GetString()!)));
            pems.Add(("peer", testcase.GetProperty("peer_certificate").GetString()!));
            foreach (var (role, pem) in pems)
            {
                var fields = PemEncoding.Find(pem);
                var der = Convert.FromBase64String(pem[fields.Base64Data]);
                if (seen.Add(Convert.ToBase64String(der)))
                {
                    result.Add((id + "/" + (role.StartsWith("trusted", StringComparison.Ordinal) && role != "trusted0" ? role : role.TrimEnd('0')), der));
                }
            }
        }

        return result;
    }
}
