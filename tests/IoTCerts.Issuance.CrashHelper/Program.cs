using IoTCerts.Issuance;

// Usage: CrashHelper <ca-dir> <passphrase> <name-prefix> <count>
// Issues <count> device certificates (CN=<prefix>-<n>) and prints "issued <serial>" after each one is committed,
// so the parent knows which serials were acknowledged before it killed us.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: CrashHelper <ca-dir> <passphrase> <name-prefix> <count>");
    return 2;
}

using var ca = CertificateAuthority.Open(new DirectoryCaDatabase(args[0]), args[1]);
using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
Console.Out.WriteLine("ready");
Console.Out.Flush();
var count = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
for (var i = 0; i < count; i++)
{
    var issued = ca.Issue(new IssuanceRequest
    {
        Subject = DistinguishedNames.Parse($"CN={args[2]}-{i}"),
        PublicKey = key.PublicKey,
        Profile = CertificateProfile.Device(),
    });
    Console.Out.WriteLine($"issued {issued.SerialNumber}");
    Console.Out.Flush();
}

return 0;
