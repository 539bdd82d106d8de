using System.Diagnostics;
using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>Policy chains made by the openssl CLI (certificatePolicies, policyConstraints, policyMappings, inhibitAnyPolicy).</summary>
public sealed class PolicyChainFixtures : IDisposable
{
    public const string P1 = "1.3.6.1.4.1.55555.1.1";
    public const string P2 = "1.3.6.1.4.1.55555.1.2";

    public PolicyChainFixtures()
    {
        Pki = new OpenSslFixtures();
        Ca("require0", $"certificatePolicies={P1}\npolicyConstraints=critical,requireExplicitPolicy:0\n", "root");
        Ca("plain-p1", $"certificatePolicies={P1}\n", "root");
        Ca("any", "certificatePolicies=2.5.29.32.0\n", "root");
        Ca("map", $"certificatePolicies={P1}\npolicyMappings=critical,{P1}:{P2}\n", "root");
        Ca("below-map", $"certificatePolicies={P2}\n", "map");
        Leaf("leaf-p1-require0", $"certificatePolicies={P1}\n", "require0");
        Leaf("leaf-none-require0", string.Empty, "require0");
        Leaf("leaf-p1", $"certificatePolicies={P1}\n", "plain-p1");
        Leaf("leaf-any", "certificatePolicies=2.5.29.32.0\n", "any");
        Leaf("leaf-p1-under-any", $"certificatePolicies={P1}\n", "any");
        Leaf("leaf-p2-mapped", $"certificatePolicies={P2}\n", "below-map");
    }

    public OpenSslFixtures Pki { get; }

    public string PathOf(string name) => Pki.PathOf(name);

    public void Dispose() => Pki.Dispose();

    private void Ca(string name, string extensions, string issuer)
    {
        Pki.OpenSsl($"req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {name}.key -out {name}.csr -subj /CN=Policy {name}");
        File.WriteAllText(PathOf(name + ".ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n" + extensions);
        Pki.OpenSsl($"x509 -req -in {name}.csr -CA {issuer}.pem -CAkey {issuer}.key -CAcreateserial -days 1000 -extfile {name}.ext -out {name}.pem");
    }

    private void Leaf(string name, string extensions, string issuer)
    {
        Pki.OpenSsl($"req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {name}.key -out {name}.csr -subj /CN={name}");
        File.WriteAllText(PathOf(name + ".ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n" + extensions);
        Pki.OpenSsl($"x509 -req -in {name}.csr -CA {issuer}.pem -CAkey {issuer}.key -CAcreateserial -days 365 -extfile {name}.ext -out {name}.pem");
    }
}

/// <summary>
/// <c>iotcerts verify --policy … --explicit-policy --inhibit-policy-mapping --inhibit-any-policy</c> and the JSON
/// <c>"policies"</c> field (RFC 5280 §6.1.1 inputs, §6.1.6 user-constrained-policy-set), each row also run through
/// <c>openssl verify -policy_check</c> with the equivalent flags: both must agree on valid/invalid.
/// </summary>
public sealed class VerifyPolicyCommandTests(PolicyChainFixtures pki) : IClassFixture<PolicyChainFixtures>
{
    private const string P1 = PolicyChainFixtures.P1;
    private const string P2 = PolicyChainFixtures.P2;

    public static readonly TheoryData<string, string[], string[], bool, string[]> Rows = new()
    {
        // leaf, intermediates, iotcerts flags, valid, expected "policies"
        { "leaf-p1-require0", ["require0"], [], true, [P1] },
        { "leaf-none-require0", ["require0"], [], false, [] },
        { "leaf-p1", ["plain-p1"], ["--policy", P2, "--explicit-policy"], false, [] },
        { "leaf-p1", ["plain-p1"], ["--policy", P1, "--explicit-policy"], true, [P1] },
        { "leaf-p1", ["plain-p1"], [], true, [P1] },
        { "leaf-any", ["any"], [], true, ["anyPolicy"] },
        { "leaf-p1-under-any", ["any"], ["--explicit-policy", "--inhibit-any-policy"], false, [] },
        { "leaf-p1-under-any", ["any"], ["--explicit-policy"], true, [P1] },
        { "leaf-p2-mapped", ["below-map", "map"], ["--policy", P1, "--explicit-policy"], true, [P1] },
        { "leaf-p2-mapped", ["below-map", "map"], ["--policy", P1, "--explicit-policy", "--inhibit-policy-mapping"], false, [] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Policy_flags_and_json_policies_agree_with_openssl(string leaf, string[] intermediates, string[] flags, bool valid, string[] policies)
    {
        var untrusted = Path.Combine(pki.Pki.Dir, $"untrusted-{string.Join('-', intermediates)}.pem");
        File.WriteAllText(untrusted, string.Concat(intermediates.Select(i => File.ReadAllText(pki.PathOf(i + ".pem")))));
        string[] args = ["verify", "--chain", pki.PathOf(leaf + ".pem"), "--untrusted", untrusted, "--trust", pki.PathOf("root.pem"), .. flags, "--json"];

        var r = CliRunner.Run(args);

        Assert.True(r.ExitCode == (valid ? 0 : 1), r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(valid, doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(policies, doc.RootElement.GetProperty("policies").EnumerateArray().Select(e => e.GetString()!).ToArray());
        if (!valid)
        {
            Assert.Equal("NoIssuanceChainPolicy", doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        }

        // The independent implementation with the same §6.1.1 inputs.
        var openssl = new List<string> { "verify", "-policy_check", "-CAfile", pki.PathOf("root.pem"), "-untrusted", untrusted };
        for (var i = 0; i < flags.Length; i++)
        {
            switch (flags[i])
            {
                case "--policy":
                    openssl.AddRange(["-policy", flags[++i]]);
                    break;
                case "--explicit-policy":
                    openssl.Add("-explicit_policy");
                    break;
                case "--inhibit-policy-mapping":
                    openssl.Add("-inhibit_map");
                    break;
                case "--inhibit-any-policy":
                    openssl.Add("-inhibit_any");
                    break;
            }
        }

        if (!flags.Contains("--policy"))
        {
            // openssl verify without -policy runs with an EMPTY user-initial-policy-set (it then reports "User Policies:
            // <empty>" and fails any explicit-policy chain); RFC 5280 §6.1.1 (c) defaults to any-policy, so say so.
            openssl.AddRange(["-policy", "2.5.29.32.0"]);
        }

        openssl.Add(pki.PathOf(leaf + ".pem"));
        Assert.True(valid == (RunOpenSsl(openssl) == 0), $"openssl verify {string.Join(' ', openssl)} disagrees");
    }

    [Fact]
    public void A_policy_that_is_not_an_oid_exits_2()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("leaf-p1.pem"), "--untrusted", pki.PathOf("plain-p1.pem"), "--trust", pki.PathOf("root.pem"), "--policy", "gold");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad-policy", r.ToString(), StringComparison.Ordinal);
    }

    private int RunOpenSsl(IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = pki.Pki.Dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
